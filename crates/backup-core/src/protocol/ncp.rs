//! NCP API Gateway protocol. (Being implemented.)
