//! (Being implemented.)
/// Provider.
#[derive(Debug)]
pub struct HuaweiDefaultChain;
