use super::*;
use clap::CommandFactory;

#[test]
fn the_command_line_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn durations_and_sizes_parse() {
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
    assert!(parse_duration("soon").is_err());
    // A deadline this far would overflow the clock (a panic, exit 101): a usage error.
    assert!(parse_duration("300000000000y").is_err());
    assert_eq!(parse_time_limit("1s"), Ok(Duration::from_secs(1)));
    assert!(parse_time_limit("0s").is_err());
    assert!(parse_time_limit("100ms").is_err());
    assert_eq!(parse_size("128M"), Ok(128 << 20));
    assert!(parse_size("1K").is_err());
    assert_eq!(parse_write_rate("200/s"), Ok(200.0));
    assert_eq!(parse_write_rate("1.5k/s"), Ok(1500.0));
    assert_eq!(parse_write_rate("0.5"), Ok(0.5));
    assert!(parse_write_rate("fast").is_err());
}

#[test]
fn estimate_takes_exactly_one_source_of_tables() {
    let parse = |args: &[&str]| Cli::try_parse_from(args);
    // None at all is `config::configure`'s to refuse, after reading .ddl-eta.toml.
    assert!(parse(&[
        "ddl-eta",
        "estimate",
        "--schema",
        "s.sql",
        "--profile",
        "p.json",
        "m.sql"
    ])
    .is_err());
    assert!(parse(&["ddl-eta", "estimate", "--profile", "p.json", "m.sql"]).is_ok());
}
