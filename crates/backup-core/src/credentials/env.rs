//! (Being implemented.)
/// Environment abstraction.
pub trait Environment {}
/// Process env.
#[derive(Debug)]
pub struct ProcessEnvironment;
/// Static env.
#[derive(Debug)]
pub struct StaticEnvironment;
