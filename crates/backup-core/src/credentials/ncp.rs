//! (Being implemented.)
/// Provider.
#[derive(Debug)]
pub struct NcpDefaultChain;
