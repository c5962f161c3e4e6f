//! The object graph of a file: every object reachable through hard links, once per header
//! address, with every path it is reached by and each group's links.

use std::collections::{BTreeMap, VecDeque};

use h5oxide::{File, Group, Link, Object};

/// One object of the file.
pub struct Node {
    /// The object, opened through its first path.
    pub object: Object,
    /// Every path that reaches it through hard links, in discovery order (breadth first).
    pub paths: Vec<String>,
    /// A group's links in name order; empty for other objects.
    pub links: Vec<(String, Link)>,
    /// Why a group's links could not be listed.
    pub links_error: Option<String>,
}

/// A hard link whose target could not be opened.
pub struct Broken {
    /// The link's path.
    pub path: String,
    /// The error text.
    pub error: String,
}

/// Every object reachable from the root.
pub struct Tree {
    /// Objects by object header address.
    pub nodes: BTreeMap<u64, Node>,
    /// The root group's address.
    pub root: u64,
    /// Hard links whose targets did not open.
    pub broken: Vec<Broken>,
}

/// Joins a group path and a link name.
pub fn join(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

impl Tree {
    /// Walks the file breadth first from the root. Each object is opened once (a visited set
    /// of header addresses stops hard-link cycles); unreadable objects are recorded, not fatal.
    pub fn walk(file: &File) -> Tree {
        let root = file.root();
        let mut tree = Tree {
            nodes: BTreeMap::new(),
            root: root.address(),
            broken: Vec::new(),
        };
        let mut queue: VecDeque<Group> = VecDeque::new();
        tree.nodes.insert(
            root.address(),
            Node {
                object: Object::Group(root.clone()),
                paths: vec!["/".to_owned()],
                links: Vec::new(),
                links_error: None,
            },
        );
        queue.push_back(root);
        while let Some(group) = queue.pop_front() {
            let links = match group.links() {
                Ok(l) => l,
                Err(e) => {
                    if let Some(n) = tree.nodes.get_mut(&group.address()) {
                        n.links_error = Some(e.to_string());
                    }
                    continue;
                }
            };
            for (name, link) in &links {
                let Link::Hard { address } = link else {
                    continue;
                };
                let path = join(group.name(), name);
                if let Some(n) = tree.nodes.get_mut(address) {
                    n.paths.push(path);
                    continue;
                }
                match group.object(name) {
                    Ok(obj) => {
                        if let Object::Group(g) = &obj {
                            queue.push_back(g.clone());
                        }
                        tree.nodes.insert(
                            *address,
                            Node {
                                object: obj,
                                paths: vec![path],
                                links: Vec::new(),
                                links_error: None,
                            },
                        );
                    }
                    Err(e) => tree.broken.push(Broken {
                        path,
                        error: e.to_string(),
                    }),
                }
            }
            if let Some(n) = tree.nodes.get_mut(&group.address()) {
                n.links = links;
            }
        }
        tree
    }

    /// The first path of the object at `address`, if it was reached.
    pub fn path_of(&self, address: u64) -> Option<&str> {
        self.nodes
            .get(&address)
            .and_then(|n| n.paths.first())
            .map(String::as_str)
    }
}
