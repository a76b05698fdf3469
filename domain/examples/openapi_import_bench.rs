//! Measures the OpenAPI importer on a generated 1,000-operation document (the size of
//! real-world specs; the goal is < 2 s per import in release): prints the median and the
//! spread over 10 runs, for JSON and for YAML input, and for a refused document (errors
//! with line numbers).
//!
//! `cargo run --release -p domain --example openapi_import_bench [operations]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

#[path = "../tests/fixtures/openapi/generate.rs"]
mod generate;

const RUNS: usize = 10;

fn main() {
    let operations = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let spec = generate::spec(operations);
    let json = serde_json::to_string_pretty(&spec).unwrap();
    let yaml = generate::to_yaml(&spec);
    // The same document with dangling `$ref`s (to `Resource1…`: more than the error cap):
    // the error path, which also looks up line numbers.
    let broken = yaml.replace("#/components/schemas/Resource1", "#/components/schemas/Nope");
    println!("{operations} operations: JSON {} KiB, YAML {} KiB", json.len() / 1024, yaml.len() / 1024);
    for (name, text, ok) in [("json", &json, true), ("yaml", &yaml, true), ("yaml, refused", &broken, false)] {
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = domain::openapi::import(text.as_bytes());
            times.push(started.elapsed());
            assert_eq!(result.is_ok(), ok, "{name}");
            if let Ok(imported) = result {
                assert_eq!(imported.operations.len(), operations);
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:>14}: median {:7.2} ms  (min {:7.2} ms, max {:7.2} ms, {RUNS} runs)",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    }
}
