//! A byte trie over vocabulary pieces, for the prefix searches segmentation is made of.
//!
//! sentencepiece builds a double array from the pieces at load time; all that matters for
//! equal output is the set of (prefix, id) matches, so a plain trie with sorted edge lists
//! does the job with less code. The root's children sit in a 256-entry table because every
//! search starts there.

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node {
    /// Start of this node's edges in `Trie::edges`.
    first_edge: u32,
    n_edges: u32,
    /// The id of the piece ending here, or `NONE`.
    value: u32,
}

/// Pieces (byte strings) mapped to ids, searchable by prefix.
#[derive(Debug, Clone)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
    /// (label, child node), sorted by label within each node.
    edges: Vec<(u8, u32)>,
    root: Box<[u32; 256]>,
}

impl Trie {
    /// Builds the trie. Keys must be distinct (the vocabulary rejects duplicates).
    pub(crate) fn new<'k>(keys: impl IntoIterator<Item = (&'k str, u32)>) -> Trie {
        // Inserting keys in sorted order creates every node's children in label order, and
        // the child an insertion may share can only be the node's last one: no maps needed.
        // (A vocabulary of 256k pieces loads in a fraction of a second this way.)
        let mut keys: Vec<(&[u8], u32)> =
            keys.into_iter().map(|(k, v)| (k.as_bytes(), v)).collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut values: Vec<u32> = vec![NONE];
        for (key, id) in keys {
            let mut node = 0usize;
            for &b in key {
                node = match children[node].last() {
                    Some(&(label, child)) if label == b => child as usize,
                    _ => {
                        let child = children.len();
                        children.push(Vec::new());
                        values.push(NONE);
                        children[node].push((b, child as u32));
                        child
                    }
                };
            }
            if values[node] == NONE {
                values[node] = id;
            }
        }
        let mut nodes = Vec::with_capacity(children.len());
        let mut edges = Vec::with_capacity(children.len());
        for (list, value) in children.iter().zip(values) {
            nodes.push(Node {
                first_edge: edges.len() as u32,
                n_edges: list.len() as u32,
                value,
            });
            edges.extend_from_slice(list);
        }
        let mut root = Box::new([NONE; 256]);
        for &(b, c) in &children[0] {
            root[usize::from(b)] = c;
        }
        Trie { nodes, edges, root }
    }

    fn child(&self, node: u32, b: u8) -> Option<u32> {
        if node == 0 {
            let c = self.root[usize::from(b)];
            return (c != NONE).then_some(c);
        }
        let n = &self.nodes[node as usize];
        let edges = &self.edges[n.first_edge as usize..(n.first_edge + n.n_edges) as usize];
        edges
            .binary_search_by_key(&b, |&(l, _)| l)
            .ok()
            .map(|i| edges[i].1)
    }

    /// Calls `on_match(end, id)` for every piece that starts at `text[start..]`, shortest
    /// first; `end` is the byte position where the piece ends.
    pub(crate) fn for_each_prefix(
        &self,
        text: &[u8],
        start: usize,
        mut on_match: impl FnMut(usize, u32),
    ) {
        let mut node = 0u32;
        for (i, &b) in text[start..].iter().enumerate() {
            match self.child(node, b) {
                Some(c) => node = c,
                None => return,
            }
            let v = self.nodes[node as usize].value;
            if v != NONE {
                on_match(start + i + 1, v);
            }
        }
    }

    /// The longest piece that starts at `text[start..]`: its byte length and id.
    pub(crate) fn longest_prefix(&self, text: &[u8], start: usize) -> Option<(usize, u32)> {
        let mut best = None;
        self.for_each_prefix(text, start, |end, id| best = Some((end - start, id)));
        best
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.len() == 1 && self.nodes[0].value == NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_in_order() {
        let t = Trie::new([("a", 1), ("ab", 2), ("abc", 3), ("b", 4), ("ä", 5)]);
        let mut got = Vec::new();
        t.for_each_prefix(b"xabcd", 1, |e, id| got.push((e, id)));
        assert_eq!(got, [(2, 1), (3, 2), (4, 3)]);
        assert_eq!(t.longest_prefix("äb".as_bytes(), 0), Some((2, 5)));
        assert!(Trie::new([]).is_empty());
    }
}
