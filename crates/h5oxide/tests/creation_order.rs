//! Attributes in creation order where the object tracks it (fixtures/files/creation_order.h5:
//! names created in reverse alphabetical order, see fixtures/src/groups.rs).

#[test]
fn attributes_come_back_in_creation_order_where_tracked() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files/creation_order.h5");
    let f = h5oxide::File::open(path).unwrap();
    for group in [
        "tracked_compact",
        "indexed_compact",
        "tracked_dense",
        "indexed_dense",
    ] {
        let attrs = f.group(group).unwrap().attrs();
        let by_name = attrs.names().unwrap();
        let by_order: Vec<String> = attrs
            .list_in_creation_order()
            .unwrap()
            .iter()
            .map(|a| a.name().to_owned())
            .collect();
        assert!(by_name.len() >= 4, "{group}");
        let mut reversed = by_name.clone();
        reversed.reverse();
        assert_eq!(by_order, reversed, "{group}");
        let orders: Vec<u64> = attrs
            .list_in_creation_order()
            .unwrap()
            .iter()
            .map(|a| a.creation_order().unwrap())
            .collect();
        assert!(
            orders.windows(2).all(|w| w[0] < w[1]),
            "{group}: {orders:?}"
        );
    }
}

#[test]
fn links_come_back_in_creation_order_where_tracked() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files/creation_order.h5");
    let f = h5oxide::File::open(path).unwrap();
    for group in [
        "tracked_compact",
        "indexed_compact",
        "tracked_dense",
        "indexed_dense",
    ] {
        let g = f.group(group).unwrap();
        let by_name = g.member_names().unwrap();
        assert!(by_name.len() >= 5, "{group}");
        let mut reversed = by_name.clone();
        reversed.reverse();
        assert_eq!(
            g.member_names_in_creation_order().unwrap(),
            reversed,
            "{group}"
        );
    }
    // A group of the earliest format has no creation order: name order.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files/format_earliest_sb0.h5");
    let f = h5oxide::File::open(path).unwrap();
    let root = f.root();
    assert_eq!(
        root.member_names_in_creation_order().unwrap(),
        root.member_names().unwrap()
    );
}
