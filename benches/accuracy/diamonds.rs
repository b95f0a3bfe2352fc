//! The second real-data shape: 53,940 diamonds (carat, cut, colour, clarity, dimensions and
//! price), the ggplot2 data set as the `plotnine` package on PyPI ships it
//! (plotnine/data/diamonds.csv; scripts/accuracy fetches it). Real values, replicated to
//! production size: copy c of the set is lot c, every other value as it is.

use std::path::PathBuf;

/// Rows in diamonds.csv.
pub const SOURCE_ROWS: u64 = 53_940;

/// Where scripts/accuracy puts the data set.
pub fn csv_path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/accuracy/data/diamonds.csv")
}

pub const CREATE: &str = "CREATE TABLE `diamonds` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `carat` decimal(4,2) NOT NULL,
  `cut` varchar(16) NOT NULL,
  `color` char(1) NOT NULL,
  `clarity` varchar(8) NOT NULL,
  `depth` decimal(4,1) NOT NULL,
  `table_pct` decimal(4,1) NOT NULL,
  `price` int NOT NULL,
  `x` decimal(5,2) NOT NULL,
  `y` decimal(5,2) NOT NULL,
  `z` decimal(5,2) NOT NULL,
  `lot` int NOT NULL,
  PRIMARY KEY (`id`),
  KEY `diamonds_price` (`price`),
  KEY `diamonds_cut_color` (`cut`, `color`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

const COLUMNS: &str = "carat, cut, color, clarity, depth, table_pct, price, x, y, z";

/// A staging copy of the CSV as it is, numbered in file order.
pub fn prepare() -> anyhow::Result<Vec<String>> {
    let csv = csv_path();
    if !csv.exists() {
        anyhow::bail!(
            "{} is missing: scripts/accuracy fetches it (pip download plotnine==0.15.9)",
            csv.display()
        );
    }
    Ok(vec![
        "CREATE TABLE diamonds_source LIKE diamonds".to_string(),
        format!(
            "LOAD DATA INFILE '{}' INTO TABLE diamonds_source \
             FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' IGNORE 1 LINES ({COLUMNS}) \
             SET `lot` = 0",
            csv.display()
        ),
    ])
}

pub fn cleanup() -> Vec<String> {
    vec!["DROP TABLE diamonds_source".to_string()]
}

/// Rows `from..=to`: row k is source row 1 + (k-1) mod N of lot (k-1) div N.
pub fn rows(from: u64, to: u64) -> String {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("s.{c}")).collect();
    format!(
        "INSERT INTO diamonds (id, {COLUMNS}, lot) \
         SELECT r.seq, {}, r.copy \
         FROM (SELECT seq, (seq - 1) DIV {SOURCE_ROWS} AS copy, 1 + (seq - 1) MOD {SOURCE_ROWS} AS source \
               FROM seq_{from}_to_{to}) AS r \
         JOIN diamonds_source s ON s.id = r.source",
        columns.join(", ")
    )
}

/// Statements a shop might run on such a table, in order.
pub const BATTERY: &[(&str, &str)] = &[
    (
        "add nullable column",
        "ALTER TABLE diamonds ADD COLUMN `certificate` varchar(32) NULL",
    ),
    (
        "add index",
        "ALTER TABLE diamonds ADD INDEX `diamonds_carat` (`carat`)",
    ),
    (
        "add composite index",
        "ALTER TABLE diamonds ADD INDEX `diamonds_cut_color_clarity` (`cut`, `color`, `clarity`, `price`)",
    ),
    ("drop index", "ALTER TABLE diamonds DROP INDEX `diamonds_price`"),
    (
        "widen varchar inside 255 bytes",
        "ALTER TABLE diamonds MODIFY `clarity` varchar(12) NOT NULL",
    ),
    (
        "add NOT NULL column with default",
        "ALTER TABLE diamonds ADD COLUMN `currency` char(3) NOT NULL DEFAULT 'USD'",
    ),
    (
        "change column type",
        "ALTER TABLE diamonds MODIFY `price` bigint NOT NULL",
    ),
    (
        "NOT NULL to NULL",
        "ALTER TABLE diamonds MODIFY `z` decimal(5,2) NULL",
    ),
    (
        "convert character set",
        "ALTER TABLE diamonds CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    ("force rebuild", "ALTER TABLE diamonds FORCE"),
];
