//! The workbook's lab and what it stands on: the local picture server, the lab that
//! watches a plain program from outside (`lab`), and the checker's helpers.
//!
//! The modules, by concept; each imports only those above it in this list:
//!
//! - `cpus`, `units`, `usage`: counting CPUs, numbers and lines to read, what a run
//!   costs (CPU time, a process tree's memory, open files)
//! - `jpeg`, `server`: reading a JPEG's size, and the local picture server
//! - `lab`: run a program, watch it from outside, and record what it did

pub mod cpus;
pub mod jpeg;
pub mod lab;
pub mod server;
pub mod units;
pub mod usage;
