//! Retry policy. (Being implemented.)
