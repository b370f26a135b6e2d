//! A test of the architecture: which top-level modules of `server` and `app` name which
//! (`crate::x`), read from the source files. No two modules may reach each other, however
//! indirectly, and `storage` stands on nothing above it.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    type Graph = BTreeMap<String, BTreeSet<String>>;

    /// Each top-level module of the crate at `src` and the top-level modules it names, outside
    /// comments and `#[cfg(test)]` code.
    fn graph(src: &Path) -> Graph {
        let mut graph = Graph::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable source folder") {
                let path = entry.expect("readable entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let relative = path.strip_prefix(src).expect("under src");
                let first = relative.components().next().expect("a component");
                let module = first
                    .as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned();
                if module == "lib" || module == "main" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("readable source file");
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let names = graph.entry(module.clone()).or_default();
                for line in code.lines() {
                    let line = line.split("//").next().unwrap_or_default();
                    for (at, _) in line.match_indices("crate::") {
                        let rest = &line[at + "crate::".len()..];
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        if !name.is_empty() && name != module {
                            names.insert(name);
                        }
                    }
                }
            }
        }
        graph
    }

    /// A path from `to` back to `from`, if there is one.
    fn path_back(graph: &Graph, from: &str, to: &str) -> Option<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![vec![to.to_owned()]];
        while let Some(path) = stack.pop() {
            let last = path.last().expect("non-empty path").clone();
            if last == from {
                return Some(path);
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            for next in graph.get(&last).into_iter().flatten() {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
        None
    }

    fn loops(graph: &Graph) -> Vec<String> {
        let mut found = Vec::new();
        for (module, names) in graph {
            for name in names.iter().filter(|n| graph.contains_key(*n)) {
                if let Some(back) = path_back(graph, module, name) {
                    found.push(format!("{module} -> {}", back.join(" -> ")));
                }
            }
        }
        found
    }

    fn crate_src(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(name)
            .join("src")
    }

    #[test]
    fn no_module_of_server_or_app_reaches_back_to_itself() {
        for name in ["server", "app"] {
            let graph = graph(&crate_src(name));
            assert!(graph.len() > 5, "{name}: found only {graph:?}");
            assert_eq!(loops(&graph), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn storage_stands_on_nothing_above_it() {
        let graph = graph(&crate_src("server"));
        let storage = graph.get("storage").expect("a storage module");
        assert_eq!(storage, &BTreeSet::new(), "storage names these modules");
        for file in [
            "storage/mod.rs",
            "storage/accounts.rs",
            "storage/export_sql.rs",
        ] {
            let text = std::fs::read_to_string(crate_src("server").join(file)).expect(file);
            assert!(
                !text.contains("app::backend"),
                "{file} implements an app port"
            );
        }
    }

    #[test]
    fn the_check_finds_a_loop_when_there_is_one() {
        let mut graph = Graph::new();
        graph.insert("a".into(), ["b".to_owned()].into());
        graph.insert("b".into(), ["c".to_owned()].into());
        graph.insert("c".into(), ["a".to_owned()].into());
        graph.insert("d".into(), ["a".to_owned()].into());
        let found = loops(&graph);
        assert!(found.contains(&"a -> b -> c -> a".to_owned()), "{found:?}");
        assert!(!found.iter().any(|l| l.starts_with("d ")), "{found:?}");
    }
}
