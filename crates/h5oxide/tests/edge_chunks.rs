//! Layout flag "don't filter partial edge chunks": edge chunks are stored unfiltered.
//! The file was written by libhdf5 1.10.8 from tests/data/gen/unfiltered_edge_chunks.c
//! (10 x 7 i32 in 4 x 4 deflate chunks, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS).

#[test]
fn partial_edge_chunks_stored_unfiltered_read_correctly() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/unfiltered_edge_chunks.h5");
    let f = h5oxide::File::open(path).unwrap();
    let d = f.root().dataset("d").unwrap();
    let want: Vec<i32> = (0..70).map(|i| i * 3 - 20).collect();
    assert_eq!(d.read_raw::<i32>().unwrap(), want);
}
