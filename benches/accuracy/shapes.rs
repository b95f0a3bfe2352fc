//! The benchmark's production tables: three generated shapes and two of real data
//! (flights.rs, diamonds.rs), each a CREATE TABLE, a row generator
//! of the benchmark's own (plain SQL over MariaDB's sequence engine, deterministic, with
//! skewed values) and a battery of statements run in order, as one migration.

/// One kind of production table.
pub struct Shape {
    pub name: &'static str,
    pub table: &'static str,
    pub create: &'static str,
    /// `INSERT .. SELECT` of rows `from..=to`, all values derived from the row number.
    insert: fn(from: u64, to: u64) -> String,
    /// The migration, in order: (short label, SQL).
    pub battery: &'static [(&'static str, &'static str)],
    /// Labels of the statements `--quick` keeps (all when empty).
    pub quick: &'static [&'static str],
    /// Labels of the statements ddl-eta can run only when it knows the data (with
    /// `estimate --source`): NULL to NOT NULL on a nullable column that holds no NULLs, a
    /// unique index on a column that is unique only in the real data. A seeder that sees
    /// only the CREATE TABLE puts NULLs and repeats there, and the server rightly refuses.
    pub needs_profile: &'static [&'static str],
    /// Real data: statements that load it into a staging table before the rows are made,
    /// and that drop it after.
    pub real_data: Option<RealData>,
}

pub struct RealData {
    /// The file the server loads (its directory is the only one it may read).
    pub file: fn() -> std::path::PathBuf,
    pub prepare: fn() -> anyhow::Result<Vec<String>>,
    pub cleanup: fn() -> Vec<String>,
}

impl Shape {
    pub fn insert_sql(&self, from: u64, to: u64) -> String {
        (self.insert)(from, to)
    }

    pub fn prepare(&self) -> anyhow::Result<Vec<String>> {
        self.real_data
            .as_ref()
            .map_or(Ok(Vec::new()), |real| (real.prepare)())
    }

    /// What the builder server needs to load the real data: reading the data's directory
    /// (a server ddl-eta starts reads no file outside its own).
    pub fn builder_args(&self) -> Vec<String> {
        self.real_data
            .as_ref()
            .and_then(|real| {
                let file = (real.file)();
                Some(format!("--secure-file-priv={}", file.parent()?.display()))
            })
            .into_iter()
            .collect()
    }

    pub fn cleanup(&self) -> Vec<String> {
        self.real_data
            .as_ref()
            .map_or(Vec::new(), |real| (real.cleanup)())
    }

    /// The statements a run uses: `quick` keeps the shape's quick subset; `with_profile`
    /// false (ddl-eta given only the CREATE TABLE) leaves out `needs_profile`.
    pub fn statements(&self, quick: bool, with_profile: bool) -> Vec<(&'static str, &'static str)> {
        self.battery
            .iter()
            .filter(|(label, _)| !quick || self.quick.is_empty() || self.quick.contains(label))
            .filter(|(label, _)| with_profile || !self.needs_profile.contains(label))
            .copied()
            .collect()
    }
}

pub fn find(name: &str) -> Option<&'static Shape> {
    SHAPES.iter().find(|s| s.name == name)
}

pub static SHAPES: [Shape; 5] = [
    Shape {
        name: "studentmodule",
        table: "courseware_studentmodule",
        create: STUDENTMODULE,
        insert: studentmodule_rows,
        battery: STUDENTMODULE_BATTERY,
        quick: &[
            "add nullable column",
            "add index",
            "add composite index",
            "widen varchar across 255 bytes",
            "change column type",
            "NULL to NOT NULL",
            "force rebuild",
        ],
        needs_profile: &["NULL to NOT NULL"],
        real_data: None,
    },
    Shape {
        name: "eventlog",
        table: "event_log",
        create: EVENTLOG,
        insert: eventlog_rows,
        battery: EVENTLOG_BATTERY,
        quick: &[],
        // The seeder's 32-character strings repeat within a few hundred thousand rows.
        needs_profile: &["add unique index", "NULL to NOT NULL"],
        real_data: None,
    },
    Shape {
        name: "wide",
        table: "article_revision",
        create: WIDE,
        insert: wide_rows,
        battery: WIDE_BATTERY,
        quick: &[],
        needs_profile: &["add unique index", "NULL to NOT NULL"],
        real_data: None,
    },
    Shape {
        name: "flights",
        table: "flights",
        create: crate::flights::CREATE,
        insert: crate::flights::rows,
        battery: crate::flights::BATTERY,
        quick: &[],
        needs_profile: &["NULL to NOT NULL"],
        real_data: Some(RealData {
            file: crate::flights::csv_path,
            prepare: crate::flights::prepare,
            cleanup: crate::flights::cleanup,
        }),
    },
    Shape {
        name: "diamonds",
        table: "diamonds",
        create: crate::diamonds::CREATE,
        insert: crate::diamonds::rows,
        battery: crate::diamonds::BATTERY,
        quick: &[],
        needs_profile: &[],
        real_data: Some(RealData {
            file: crate::diamonds::csv_path,
            prepare: crate::diamonds::prepare,
            cleanup: crate::diamonds::cleanup,
        }),
    },
];

/// A uniform number in [0, 1) from the row number and a salt: CRC32 of their text, so
/// that columns with different salts are independent of each other.
fn u(salt: &str) -> String {
    format!("(CRC32(CONCAT(seq, '{salt}')) / 4294967296.0)")
}

/// The same, from another expression than the row number.
fn u_of(expression: &str, salt: &str) -> String {
    format!("(CRC32(CONCAT({expression}, '{salt}')) / 4294967296.0)")
}

// Shape 1: the Open edX table of examples/openedx (one row per learner and course block),
// the very file the demo estimates.
const STUDENTMODULE: &str = include_str!("../../examples/openedx/courseware_studentmodule.sql");

/// Rows in the order learners create them: row k is learner `k mod S`'s visit number
/// `k div S` (S = 25,000 learners), to a block whose course and type are skewed (a few
/// big courses, mostly problems and videos). (learner, block) is unique by construction.
fn studentmodule_rows(from: u64, to: u64) -> String {
    let block_type = format!(
        "ELT(1 + FLOOR(8 * POW({}, 2)), 'problem', 'video', 'html', 'vertical', \
         'sequential', 'chapter', 'discussion', 'openassessment')",
        u_of("b", "t")
    );
    let course = format!("FLOOR(300 * POW({}, 3))", u_of("b", "c"));
    format!(
        "INSERT INTO courseware_studentmodule (id, module_type, module_id, course_id, state, \
           grade, max_grade, done, created, modified, student_id) \
         SELECT seq, kind, \
           CONCAT('block-v1:Org', course MOD 17, '+CS', course, '+2024+type@', kind, '+block@', MD5(b)), \
           CONCAT('course-v1:Org', course MOD 17, '+CS', course, '+2024'), \
           CONCAT('{{\"position\": ', 1 + seq MOD 7, ', \"seed\": ', seq MOD 1000, \
                  ', \"input_state\": \"', REPEAT(MD5(seq), 1 + FLOOR(20 * POW({u_state}, 4))), '\"}}'), \
           IF(kind = 'problem' AND {u_grade} > 0.3, FLOOR({u_score} * 6), NULL), \
           IF(kind = 'problem', 5, NULL), \
           'na', \
           created, \
           created + INTERVAL FLOOR(2592000 * POW({u_modified}, 4)) SECOND, \
           student \
         FROM (SELECT seq, student, b, {course} AS course, {block_type} AS kind, \
                 TIMESTAMP('2019-01-01') + INTERVAL (seq * 60 + seq MOD 59) SECOND \
                   + INTERVAL (seq * 7919 MOD 1000000) MICROSECOND AS created \
               FROM (SELECT seq, 1 + seq MOD 25000 AS student, \
                       (seq DIV 25000) * 1250 + (seq MOD 25000) * 7919 MOD 1250 AS b \
                     FROM seq_{from}_to_{to}) AS r) AS x",
        u_state = u("s"),
        u_grade = u("g"),
        u_score = u("h"),
        u_modified = u("m"),
    )
}

/// Every statement keeps the table valid for the next; they run in this order.
const STUDENTMODULE_BATTERY: &[(&str, &str)] = &[
    (
        "add nullable column",
        "ALTER TABLE courseware_studentmodule ADD COLUMN `note` varchar(64) NULL",
    ),
    (
        "add NOT NULL column with default",
        "ALTER TABLE courseware_studentmodule ADD COLUMN `attempts` int NOT NULL DEFAULT 0",
    ),
    (
        "add index",
        "ALTER TABLE courseware_studentmodule ADD INDEX `csm_module_id` (`module_id`)",
    ),
    (
        "add composite index",
        "ALTER TABLE courseware_studentmodule ADD INDEX `csm_course_type_created` (`course_id`, `module_type`, `created`)",
    ),
    (
        "add unique index",
        "ALTER TABLE courseware_studentmodule ADD UNIQUE INDEX `csm_module_student` (`module_id`, `student_id`)",
    ),
    (
        "drop index",
        "ALTER TABLE courseware_studentmodule DROP INDEX `courseware_studentmodule_grade_e8d5e5d4`",
    ),
    (
        "widen varchar inside 255 bytes",
        "ALTER TABLE courseware_studentmodule MODIFY `done` varchar(32) NOT NULL",
    ),
    (
        "widen varchar across 255 bytes",
        "ALTER TABLE courseware_studentmodule MODIFY `module_type` varchar(128) NOT NULL",
    ),
    (
        "change column type",
        "ALTER TABLE courseware_studentmodule MODIFY `student_id` bigint NOT NULL",
    ),
    (
        "NULL to NOT NULL",
        "ALTER TABLE courseware_studentmodule MODIFY `state` longtext NOT NULL",
    ),
    (
        "convert character set",
        "ALTER TABLE courseware_studentmodule CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "force rebuild",
        "ALTER TABLE courseware_studentmodule FORCE",
    ),
];

// Shape 2: a narrow, long event log.
const EVENTLOG: &str = "CREATE TABLE `event_log` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `user_id` int unsigned NOT NULL,
  `event_type` tinyint unsigned NOT NULL,
  `source` varchar(16) NOT NULL,
  `status` tinyint NOT NULL,
  `created_at` datetime NOT NULL,
  `amount` decimal(10,2) DEFAULT NULL,
  `session_id` bigint unsigned DEFAULT NULL,
  `external_id` char(32) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `event_log_user_id` (`user_id`),
  KEY `event_log_type_created` (`event_type`, `created_at`),
  KEY `event_log_source` (`source`),
  KEY `event_log_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1";

/// A few users make most events; a dozen event types, four sources and a rare error
/// status, all skewed; amounts only on one event in five.
fn eventlog_rows(from: u64, to: u64) -> String {
    format!(
        "INSERT INTO event_log (id, user_id, event_type, source, status, created_at, amount, \
           session_id, external_id) \
         SELECT seq, \
           1 + FLOOR(200000 * POW({u_user}, 3)), \
           FLOOR(12 * POW({u_type}, 2.5)), \
           ELT(1 + FLOOR(4 * POW({u_source}, 2)), 'web', 'ios', 'android', 'api'), \
           IF({u_status} < 0.95, 0, 1 + seq MOD 4), \
           TIMESTAMP('2023-01-01') + INTERVAL (seq * 10 + seq MOD 7) SECOND, \
           IF({u_paid} < 0.2, ROUND(1000 * POW({u_amount}, 3), 2), NULL), \
           1000000 + seq DIV 6, \
           MD5(seq) \
         FROM seq_{from}_to_{to}",
        u_user = u("u"),
        u_type = u("t"),
        u_source = u("s"),
        u_status = u("x"),
        u_paid = u("p"),
        u_amount = u("a"),
    )
}

const EVENTLOG_BATTERY: &[(&str, &str)] = &[
    (
        "add nullable column",
        "ALTER TABLE event_log ADD COLUMN `note` varchar(32) NULL",
    ),
    (
        "add NOT NULL column with default",
        "ALTER TABLE event_log ADD COLUMN `processed` tinyint NOT NULL DEFAULT 0",
    ),
    (
        "add index",
        "ALTER TABLE event_log ADD INDEX `event_log_status` (`status`)",
    ),
    (
        "add composite index",
        "ALTER TABLE event_log ADD INDEX `event_log_user_type_created` (`user_id`, `event_type`, `created_at`)",
    ),
    (
        "add unique index",
        "ALTER TABLE event_log ADD UNIQUE INDEX `event_log_external_id` (`external_id`)",
    ),
    (
        "drop index",
        "ALTER TABLE event_log DROP INDEX `event_log_source`",
    ),
    (
        "widen varchar inside 255 bytes",
        "ALTER TABLE event_log MODIFY `source` varchar(64) NOT NULL",
    ),
    (
        "widen varchar across 255 bytes",
        "ALTER TABLE event_log MODIFY `source` varchar(300) NOT NULL",
    ),
    (
        "change column type",
        "ALTER TABLE event_log MODIFY `user_id` bigint unsigned NOT NULL",
    ),
    (
        "NULL to NOT NULL",
        "ALTER TABLE event_log MODIFY `session_id` bigint unsigned NOT NULL",
    ),
    (
        "convert character set",
        "ALTER TABLE event_log CONVERT TO CHARACTER SET utf8mb4",
    ),
    ("optimize", "OPTIMIZE TABLE event_log"),
];

// Shape 3: wide rows, long text, many NULLs.
const WIDE: &str = "CREATE TABLE `article_revision` (
  `id` int NOT NULL AUTO_INCREMENT,
  `article_id` int NOT NULL,
  `revision_no` smallint DEFAULT NULL,
  `title` varchar(200) NOT NULL,
  `slug` varchar(64) NOT NULL,
  `summary` varchar(1000) DEFAULT NULL,
  `body` mediumtext DEFAULT NULL,
  `metadata` text DEFAULT NULL,
  `author_id` int DEFAULT NULL,
  `editor_note` varchar(255) DEFAULT NULL,
  `lang` char(5) DEFAULT NULL,
  `score` float DEFAULT NULL,
  `published_at` datetime DEFAULT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`),
  KEY `article_revision_article_id` (`article_id`),
  KEY `article_revision_author_id` (`author_id`),
  KEY `article_revision_published_at` (`published_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3";

/// Bodies mostly around a kilobyte with a long tail past InnoDB's page half (stored off
/// page), summaries on half the rows, notes on one in twenty, popular articles revised
/// often.
fn wide_rows(from: u64, to: u64) -> String {
    format!(
        "INSERT INTO article_revision (id, article_id, revision_no, title, slug, summary, body, \
           metadata, author_id, editor_note, lang, score, published_at, created_at) \
         SELECT seq, article, 1 + seq MOD 50, \
           CONCAT('How to ', LEFT(MD5(article), 8 + article MOD 24), ' in ', article MOD 97, ' steps'), \
           CONCAT('rev-', seq, '-', LEFT(MD5(seq), 8)), \
           IF({u_summary} < 0.5, NULL, LEFT(REPEAT(CONCAT(MD5(seq), ' '), 30), 50 + FLOOR(900 * POW({u_summary_len}, 2)))), \
           IF({u_body} < 0.1, NULL, LEFT(REPEAT(CONCAT(MD5(seq + 1), ' lorem ipsum '), 300), 100 + FLOOR(12000 * POW({u_body_len}, 10)))), \
           IF({u_meta} < 0.7, NULL, CONCAT('{{\"tags\": [\"', LEFT(MD5(article), 6), '\", \"', seq MOD 13, '\"], \"words\": ', seq MOD 5000, '}}')), \
           IF({u_author} < 0.05, NULL, 1 + FLOOR(5000 * POW({u_author_id}, 4))), \
           IF({u_note} < 0.95, NULL, CONCAT('checked by editor ', seq MOD 31)), \
           IF({u_lang} < 0.3, NULL, ELT(1 + FLOOR(5 * POW({u_lang_id}, 2)), 'en', 'fr', 'es', 'de', 'zh-CN')), \
           IF({u_score} < 0.6, NULL, {u_score_value} * 5), \
           IF({u_published} < 0.4, NULL, TIMESTAMP('2015-01-01') + INTERVAL (seq * 200) SECOND), \
           TIMESTAMP('2014-12-31 23:00:00') + INTERVAL (seq * 200) SECOND \
         FROM (SELECT seq, 1 + FLOOR(100000 * POW({u_article}, 2)) AS article \
               FROM seq_{from}_to_{to}) AS r",
        u_summary = u("s"),
        u_summary_len = u("S"),
        u_body = u("b"),
        u_body_len = u("B"),
        u_meta = u("m"),
        u_author = u("a"),
        u_author_id = u("A"),
        u_note = u("n"),
        u_lang = u("l"),
        u_lang_id = u("L"),
        u_score = u("c"),
        u_score_value = u("C"),
        u_published = u("p"),
        u_article = u("r"),
    )
}

const WIDE_BATTERY: &[(&str, &str)] = &[
    (
        "add nullable column",
        "ALTER TABLE article_revision ADD COLUMN `reviewer_id` int NULL",
    ),
    (
        "add NOT NULL column with default",
        "ALTER TABLE article_revision ADD COLUMN `state` varchar(16) NOT NULL DEFAULT 'draft'",
    ),
    (
        "add index",
        "ALTER TABLE article_revision ADD INDEX `article_revision_created_at` (`created_at`)",
    ),
    (
        "add composite index",
        "ALTER TABLE article_revision ADD INDEX `article_revision_article_published` (`article_id`, `published_at`)",
    ),
    (
        "add unique index",
        "ALTER TABLE article_revision ADD UNIQUE INDEX `article_revision_slug` (`slug`)",
    ),
    (
        "drop index",
        "ALTER TABLE article_revision DROP INDEX `article_revision_author_id`",
    ),
    (
        "widen varchar inside 255 bytes",
        "ALTER TABLE article_revision MODIFY `slug` varchar(80) NOT NULL",
    ),
    (
        "widen varchar across 255 bytes",
        "ALTER TABLE article_revision MODIFY `slug` varchar(100) NOT NULL",
    ),
    (
        "change column type",
        "ALTER TABLE article_revision MODIFY `score` double NULL",
    ),
    (
        "NULL to NOT NULL",
        "ALTER TABLE article_revision MODIFY `revision_no` smallint NOT NULL",
    ),
    (
        "convert character set",
        "ALTER TABLE article_revision CONVERT TO CHARACTER SET utf8mb4",
    ),
    ("force rebuild", "ALTER TABLE article_revision FORCE"),
];
