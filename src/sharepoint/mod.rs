//! (placeholder, filled by the self-service work)
