//! ddl-eta: how long a MySQL / MariaDB migration will take on production, and what it
//! will block, measured in a disposable sandbox. The modules follow the pipeline
//! (CONTRIBUTING.md has the map): profile -> migration -> sandbox -> seed -> experiment ->
//! model -> report.

pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod ddl;
pub mod django;
pub mod estimate;
pub mod experiment;
pub mod host;
pub mod junit;
pub mod lint;
pub mod migration;
pub mod model;
pub mod online_ddl;
pub mod online_route;
pub mod output;
pub mod probe;
pub mod profile;
pub mod progress;
pub mod quote;
pub mod report;
pub mod sandbox;
pub mod seed;
pub mod server;
pub mod source;
pub mod table;
pub mod text;
pub mod warning;
pub mod watch;
