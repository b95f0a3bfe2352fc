//! Fresh tables by clone on a real local sandbox: tables linked by a foreign key come from
//! the same state, tables the server cannot export are copied (with their foreign-key
//! partners), a refused import falls back to copying once, and --work-dir holds the
//! sandbox and is cleaned of what a killed run left.

mod common;
use common::*;
use serde_json::Value;

const PARENT_CHILD: &str = "\
CREATE TABLE parent (
  id int NOT NULL AUTO_INCREMENT,
  name varchar(40) NOT NULL,
  PRIMARY KEY (id),
  KEY parent_name (name)
) ENGINE=InnoDB;
CREATE TABLE child (
  id bigint NOT NULL AUTO_INCREMENT,
  parent_id int NOT NULL,
  note varchar(100) DEFAULT NULL,
  created datetime NOT NULL,
  PRIMARY KEY (id),
  KEY child_parent (parent_id),
  KEY child_created (created),
  CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)
) ENGINE=InnoDB;
";

fn estimate(scratch: &Scratch, schema: &str, migration: &str, extra: &[&str]) -> Value {
    require_server_binary();
    let schema = scratch.file("schema.sql", schema);
    let migration = scratch.file("m.sql", migration);
    let (schema, migration) = (schema.to_string_lossy(), migration.to_string_lossy());
    let mut args = vec!["estimate", "--schema", &schema, migration.as_ref()];
    args.extend(extra);
    args.extend(["--no-probe", "--max-rows", "6000", "--budget", "40s"]);
    args.extend(["--quiet", "--format=json"]);
    json_report(&scratch.run(&args))
}

fn measured_scales(report: &Value) -> usize {
    let mut rows: Vec<u64> = report["ladder"]["scales"]
        .as_array()
        .expect("scales")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

#[test]
fn a_parent_and_its_child_are_cloned_from_the_same_state() {
    let scratch = Scratch::new("clone_fk");
    let work = scratch.dir.join("work");
    // What a SIGKILLed run would leave in the work dir: its sandbox, with a half-copied
    // clone in it, owned by a pid that no longer runs.
    let stale = work.join(format!("ddl-eta-{}-killedxx", i32::MAX));
    std::fs::create_dir_all(stale.join("data/ddl_eta_x")).expect("stale dir");
    // Marked as made on this host, as every sandbox directory is.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("host name");
    std::fs::write(stale.join(".ddl-eta-sandbox"), host.trim()).expect("marker");
    std::fs::write(stale.join("data/ddl_eta_x/child.ibd"), b"half a clone").expect("file");
    // Adding the foreign key again with checks on reads every child row and fails on one
    // whose parent is missing: at every scale, the clone of child must match parent's.
    let report = estimate(
        &scratch,
        PARENT_CHILD,
        "ALTER TABLE child ADD CONSTRAINT child_parent_again FOREIGN KEY (parent_id) REFERENCES parent (id);\n",
        &["--rows", "parent=200k", "--rows", "child=1M", "--work-dir", &work.to_string_lossy()],
    );
    let ladder = &report["ladder"];
    assert_eq!(ladder["fresh_tables"], "clone", "{ladder}");
    assert!(ladder["copied_tables"].is_null(), "{ladder}");
    assert!(
        ladder["clone_bytes_per_second"]
            .as_f64()
            .is_some_and(|b| b > 0.0),
        "{ladder}"
    );
    assert!(
        ladder["index_seconds"].as_f64().is_some_and(|s| s > 0.0),
        "{ladder}"
    );
    assert!(measured_scales(&report) >= 3, "{ladder}");
    assert_eq!(report["statements"][0]["algorithm"], "copy");
    assert!(!stale.exists(), "the killed run's directory is still there");
    let left: Vec<_> = std::fs::read_dir(&work)
        .expect("work dir")
        .flatten()
        .collect();
    assert!(left.is_empty(), "left in --work-dir: {left:?}");
    scratch.assert_nothing_left();
}

#[test]
fn a_full_text_table_is_copied_with_its_foreign_key_partner_and_the_rest_cloned() {
    let scratch = Scratch::new("clone_mixed");
    let schema = "\
CREATE TABLE doc (
  id int NOT NULL AUTO_INCREMENT,
  body text,
  PRIMARY KEY (id),
  FULLTEXT KEY doc_body (body)
) ENGINE=InnoDB;
CREATE TABLE remark (
  id int NOT NULL AUTO_INCREMENT,
  doc_id int NOT NULL,
  PRIMARY KEY (id),
  KEY remark_doc (doc_id),
  CONSTRAINT remark_doc_fk FOREIGN KEY (doc_id) REFERENCES doc (id)
) ENGINE=InnoDB;
CREATE TABLE other (
  id int NOT NULL AUTO_INCREMENT,
  v int NOT NULL,
  PRIMARY KEY (id),
  KEY other_v (v)
) ENGINE=InnoDB;
";
    let report = estimate(
        &scratch,
        schema,
        "ALTER TABLE other ADD INDEX other_v_id (v, id);\n\
         ALTER TABLE remark ADD CONSTRAINT remark_doc_again FOREIGN KEY (doc_id) REFERENCES doc (id);\n",
        &["--rows", "doc=100k", "--rows", "remark=300k", "--rows", "other=1M"],
    );
    let ladder = &report["ladder"];
    assert_eq!(ladder["fresh_tables"], "mixed", "{ladder}");
    let copied: Vec<(String, String)> = ladder["copied_tables"]
        .as_array()
        .expect("copied_tables")
        .iter()
        .map(|c| {
            (
                c["table"].as_str().unwrap_or("").into(),
                c["reason"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        copied.contains(&("doc".into(), "full_text".into())),
        "{copied:?}"
    );
    assert!(
        copied.contains(&("remark".into(), "foreign_key_group".into())),
        "{copied:?}"
    );
    assert!(!copied.iter().any(|(t, _)| t == "other"), "{copied:?}");
    scratch.assert_nothing_left();
}

#[test]
fn a_refused_import_falls_back_to_copying_once_and_says_so() {
    let scratch = Scratch::new("clone_fallback");
    let schema = std::fs::read_to_string(example("courseware_studentmodule.sql")).expect("schema");
    let report = {
        require_server_binary();
        let schema = scratch.file("schema.sql", &schema);
        let output = scratch
            .command()
            .env(ddl_eta::sandbox::clone::FAULT_VARIABLE, "clone-import")
            .args([
                "estimate",
                "--schema",
                &schema.to_string_lossy(),
                "--rows",
                "50M",
            ])
            .arg(example("0015_add_courseware_stats_index.sql"))
            .args(QUICK)
            .output()
            .expect("run ddl-eta");
        json_report(&output)
    };
    let ladder = &report["ladder"];
    assert_eq!(ladder["clone_fell_back"], true, "{ladder}");
    assert_eq!(ladder["fresh_tables"], "copy", "{ladder}");
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.starts_with("cloning the tables failed"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", report["warnings"]);
    assert!(warnings[0].contains("IMPORT TABLESPACE"), "{}", warnings[0]);
    assert!(measured_scales(&report) >= 3, "{ladder}");
    scratch.assert_nothing_left();
}
