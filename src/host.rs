//! The machine ddl-eta runs on, as a report records it beside its numbers: cores, memory,
//! and the disk under the sandbox's data (kind and filesystem), read from /proc and /sys
//! where they are readable. A figure the system does not tell is left out, never guessed.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// CPUs this process may run on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<usize>,
    /// MemTotal of /proc/meminfo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// The disk under the directory the sandbox keeps its data in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Disk>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    /// The directory it was read for.
    pub path: String,
    /// Filesystem type as mounted: ext4, xfs, tmpfs, overlay...
    pub filesystem: String,
    /// "ssd" or "rotational" from the block device's queue, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Host {
    /// This machine, with the disk under `data_dir` when there is one (a sandbox on
    /// another machine has none here).
    pub fn read(data_dir: Option<&Path>) -> Host {
        Host {
            cores: std::thread::available_parallelism().ok().map(|n| n.get()),
            memory_bytes: std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|text| mem_total(&text)),
            disk: data_dir.and_then(|dir| {
                let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
                disk_of(&mountinfo, dir)
            }),
        }
    }
}

fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The mount holding `dir` (the longest mount point that is a prefix of it), with its
/// filesystem type and, for a block device, whether it spins.
fn disk_of(mountinfo: &str, dir: &Path) -> Option<Disk> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut best: Option<(usize, &str, &str)> = None;
    for line in mountinfo.lines() {
        // "36 25 8:1 / /mnt rw,relatime shared:1 - ext4 /dev/sda1 rw": the fields after
        // " - " are the type and source; the fifth before it is the mount point.
        let (left, right) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split_whitespace().collect();
        let (Some(device), Some(mount)) = (fields.get(2), fields.get(4)) else {
            continue;
        };
        let mount_path = Path::new(mount);
        if dir.starts_with(mount_path) && best.is_none_or(|(len, _, _)| mount.len() >= len) {
            let filesystem = right.split_whitespace().next().unwrap_or("");
            best = Some((mount.len(), device, filesystem));
        }
    }
    let (_, device, filesystem) = best?;
    Some(Disk {
        path: dir.display().to_string(),
        filesystem: filesystem.to_string(),
        kind: rotational(device),
    })
}

/// /sys/dev/block/MAJ:MIN/queue/rotational, or the parent disk's for a partition.
fn rotational(device: &str) -> Option<String> {
    let base = Path::new("/sys/dev/block").join(device);
    let flag = std::fs::read_to_string(base.join("queue/rotational"))
        .or_else(|_| std::fs::read_to_string(base.join("../queue/rotational")))
        .ok()?;
    match flag.trim() {
        "0" => Some("ssd".to_string()),
        "1" => Some("rotational".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_the_mount_of_a_directory_are_read() {
        assert_eq!(
            mem_total("MemTotal:       16384 kB\nMemFree: 1 kB\n"),
            Some(16 << 20)
        );
        let mountinfo = "22 27 0:21 / /proc rw - proc proc rw\n\
                         27 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
                         40 27 0:40 / /tmp rw - tmpfs tmpfs rw\n";
        let disk = disk_of(mountinfo, Path::new("/tmp/ddl-eta-x")).unwrap();
        assert_eq!(disk.filesystem, "tmpfs");
        let disk = disk_of(mountinfo, Path::new("/var/lib")).unwrap();
        assert_eq!(disk.filesystem, "ext4");
    }

    #[test]
    fn this_machine_tells_its_cores_and_memory() {
        let host = Host::read(Some(&std::env::temp_dir()));
        assert!(host.cores.is_some_and(|c| c >= 1));
        assert!(host.memory_bytes.is_some_and(|m| m > 1 << 20));
        assert!(host.disk.is_some_and(|d| !d.filesystem.is_empty()));
    }
}
