//! The vocabulary of online DDL that every stage shares: the ALGORITHM and LOCK levels,
//! what a statement does (its operation, and the finer kind of change the rules table is
//! written for), and what column types and character sets can hold. Pure data: it
//! imports no other module of ddl-eta, so the parser, the linter, the rules table, the
//! experiment and the report can all speak it.

mod algorithm;
mod operation;
pub mod types;

pub use algorithm::{Algorithm, LockLevel};
pub use operation::{ChangeKind, Operation, ALL_CHANGE_KINDS};
