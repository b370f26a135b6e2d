//! The audit log's hash chain. Each entry stores `hash = SHA-256(previous hash ‖ the entry's
//! fields)`, and the one-row table `audit_head` holds the newest entry's number and hash, so that
//! an entry edited, removed or inserted directly in the database — past the append-only
//! triggers — breaks the chain where it happened and `tanhui audit verify` names it. Entries
//! archived and pruned leave their last hash behind as the chain's anchor.
//!
//! The hash is not keyed: someone who can write the database file *and* recompute every later
//! hash is not caught by the chain alone. `verify` prints the head's hash so that an operator
//! can keep it elsewhere (the archive files carry it too) and compare later.

use sha2::{Digest, Sha256};

use super::accounts::AuditRow;

/// The hash before the first entry: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain hash of `row` after `previous` (lower-case hex). Every field is length-prefixed,
/// and an absent one is told apart from an empty one, so no two different entries hash alike.
pub fn link(previous: &str, row: &AuditRow) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    let mut field = |value: Option<&str>| match value {
        None => hasher.update([0u8]),
        Some(text) => {
            hasher.update([1u8]);
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
    };
    field(Some(&row.seq.to_string()));
    field(Some(&row.at.to_string()));
    field(row.actor_id.as_deref());
    field(Some(&row.actor));
    field(Some(&row.action));
    field(row.target_kind.as_deref());
    field(row.target.as_deref());
    field(row.unit_code.as_deref());
    field(row.ip.as_deref());
    field(row.before.as_deref());
    field(row.after.as_deref());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain's stored state (`audit_head`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Head {
    /// The newest entry's number and hash.
    pub last_seq: i64,
    pub last_hash: String,
    /// Entries up to this number were written before the chain existed: they have no stored
    /// hash, but the first chained entry's hash (or the head's) covers them.
    pub legacy_through: i64,
    /// The last entry archived and pruned, and its hash: the chain starts after it.
    pub anchor_seq: i64,
    pub anchor_hash: String,
}

/// What `tanhui audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Entries read (after the anchor).
    pub entries: i64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    /// The chain's hash after the newest entry, as recomputed.
    pub head_hash: String,
    pub anchor_seq: i64,
    /// Where the chain is broken, first [`Verification::LISTED`] places; empty when intact.
    pub problems: Vec<String>,
    /// All places found, listed or not.
    pub problem_count: i64,
}

impl Verification {
    pub const LISTED: usize = 50;

    pub fn intact(&self) -> bool {
        self.problem_count == 0
    }

    /// Counts a problem, listing the first ones.
    pub fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < Self::LISTED {
            self.problems.push(text);
        }
    }
}

/// Walks entries in sequence order and checks each against the chain; fed in batches so that a
/// large log is verified in flat memory.
pub struct Walker {
    head: Head,
    previous_stored: String,
    previous_computed: String,
    previous_seq: i64,
    pub report: Verification,
}

impl Walker {
    pub fn new(head: Head) -> Walker {
        Walker {
            previous_stored: head.anchor_hash.clone(),
            previous_computed: head.anchor_hash.clone(),
            previous_seq: head.anchor_seq,
            report: Verification {
                entries: 0,
                first_seq: None,
                last_seq: None,
                head_hash: head.anchor_hash.clone(),
                anchor_seq: head.anchor_seq,
                problems: Vec::new(),
                problem_count: 0,
            },
            head,
        }
    }

    /// Checks one entry (in ascending `seq`) with its stored hash.
    pub fn entry(&mut self, row: &AuditRow, stored: Option<&str>) {
        let seq = row.seq;
        self.report.entries += 1;
        self.report.first_seq.get_or_insert(seq);
        self.report.last_seq = Some(seq);
        // Before the chain existed, numbers could skip (a rolled-back PostgreSQL insert); since,
        // each entry takes the next number under the head's lock.
        let gap = seq > self.head.legacy_through + 1 && seq != self.previous_seq + 1;
        if gap {
            self.report.problem(format!(
                "entries {}–{} are missing (deleted)",
                self.previous_seq + 1,
                seq - 1
            ));
        }
        let computed = link(&self.previous_computed, row);
        match stored {
            // A legacy entry: only the chain from here on covers it.
            None if seq <= self.head.legacy_through => {
                self.previous_stored = computed.clone();
            }
            None => {
                self.report
                    .problem(format!("entry {seq} has no hash (inserted outside Tanhui)"));
                self.previous_stored = computed.clone();
            }
            Some(stored) => {
                // Checked against the stored hash before it, so that one edited entry is
                // reported once, not with every entry after it.
                // After a gap the entry before it is gone, and the gap is the problem.
                if !gap && link(&self.previous_stored, row) != stored {
                    self.report.problem(format!(
                        "entry {seq} ({} by {}) was changed: its hash does not match",
                        row.action, row.actor
                    ));
                }
                self.previous_stored = stored.to_owned();
            }
        }
        self.previous_computed = computed;
        self.previous_seq = seq;
    }

    /// Compares the end of the table with the head and returns the report.
    pub fn finish(mut self) -> Verification {
        self.report.head_hash = self.previous_computed.clone();
        if self.previous_seq < self.head.last_seq {
            self.report.problem(format!(
                "the newest entries {}–{} are missing (deleted)",
                self.previous_seq + 1,
                self.head.last_seq
            ));
        } else if self.previous_seq > self.head.last_seq {
            self.report.problem(format!(
                "entries {}–{} were added after the chain's head (inserted outside Tanhui)",
                self.head.last_seq + 1,
                self.previous_seq
            ));
        } else if self.previous_stored != self.head.last_hash {
            self.report.problem(format!(
                "the newest entry {} does not match the chain's head",
                self.previous_seq
            ));
        }
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, action: &str) -> AuditRow {
        AuditRow {
            seq,
            at: 1_700_000_000_000 + seq,
            actor_id: None,
            actor: "system".into(),
            action: action.into(),
            target_kind: None,
            target: Some(String::new()),
            unit_code: None,
            ip: None,
            before: None,
            after: Some("{\"a\":1}".into()),
        }
    }

    fn head_after(rows: &[AuditRow]) -> (Head, Vec<String>) {
        let mut hash = GENESIS.to_owned();
        let mut hashes = Vec::new();
        for r in rows {
            hash = link(&hash, r);
            hashes.push(hash.clone());
        }
        let head = Head {
            last_seq: rows.last().map_or(0, |r| r.seq),
            last_hash: hash,
            legacy_through: 0,
            anchor_seq: 0,
            anchor_hash: GENESIS.into(),
        };
        (head, hashes)
    }

    fn walk(head: Head, rows: &[AuditRow], hashes: &[String]) -> Verification {
        let mut walker = Walker::new(head);
        for (r, h) in rows.iter().zip(hashes) {
            walker.entry(r, Some(h));
        }
        walker.finish()
    }

    #[test]
    fn an_absent_field_and_an_empty_one_hash_apart() {
        let mut a = row(1, "x");
        let b = a.clone();
        a.target = None;
        assert_ne!(link(GENESIS, &a), link(GENESIS, &b));
    }

    #[test]
    fn an_intact_chain_verifies_and_each_kind_of_damage_is_named_once() {
        let rows: Vec<_> = (1..=5).map(|s| row(s, "login")).collect();
        let (head, hashes) = head_after(&rows);
        assert!(walk(head.clone(), &rows, &hashes).intact());

        let mut edited = rows.clone();
        edited[2].actor = "mallory".into();
        let report = walk(head.clone(), &edited, &hashes);
        assert_eq!(report.problem_count, 1, "{:?}", report.problems);
        assert!(
            report.problems[0].contains("entry 3"),
            "{:?}",
            report.problems
        );

        let mut without = rows.clone();
        let mut without_hashes = hashes.clone();
        without.remove(1);
        without_hashes.remove(1);
        let report = walk(head.clone(), &without, &without_hashes);
        assert_eq!(report.problems, vec!["entries 2–2 are missing (deleted)"]);

        let report = walk(head.clone(), &rows[..3], &hashes[..3]);
        assert_eq!(
            report.problems,
            vec!["the newest entries 4–5 are missing (deleted)"]
        );
    }
}
