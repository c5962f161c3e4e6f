//! Point selections read the same elements as whole reads, in the order given.

use h5oxide::File;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name)
}

/// Points spread over the dataset, in a scrambled order, some repeated.
fn points(shape: &[u64], n: usize) -> Vec<Vec<u64>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            shape
                .iter()
                .map(|&d| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state % d
                })
                .collect()
        })
        .collect()
}

#[test]
fn points_equal_whole_reads_on_every_layout_and_index() {
    let mut checked = 0;
    for file in [
        "chunk_index_latest.h5",
        "chunk_index_earliest.h5",
        "layouts.h5",
        "layouts_latest.h5",
        "filters_builtin.h5",
    ] {
        let f = File::open(fixture(file)).unwrap();
        for name in f.root().member_names().unwrap() {
            let Ok(d) = f.root().dataset(&name) else {
                continue;
            };
            let shape = d.shape();
            if shape.is_empty() || shape.contains(&0) {
                continue;
            }
            let whole = d.read_bytes().unwrap();
            let elem = d.dtype().element_size();
            let ps = points(&shape, 200);
            let got = d.read_points_bytes(&ps).unwrap();
            for (k, p) in ps.iter().enumerate() {
                let flat = p.iter().zip(&shape).fold(0u64, |a, (&x, &n)| a * n + x) as usize;
                assert_eq!(
                    &got[k * elem..(k + 1) * elem],
                    &whole[flat * elem..(flat + 1) * elem],
                    "{file} {name} point {p:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} datasets checked");
}

#[test]
fn points_outside_the_dataset_are_errors() {
    let f = File::open(fixture("layouts.h5")).unwrap();
    let name = f.root().member_names().unwrap().remove(0);
    let d = f.root().dataset(&name).unwrap();
    let mut p = d.shape();
    assert!(d.read_points_bytes(&[p.clone()]).is_err());
    p.push(0);
    assert!(d.read_points_bytes(&[p]).is_err());
}
