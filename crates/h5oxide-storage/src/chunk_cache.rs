//! A byte-bounded cache of decoded chunks, least recently used evicted first.
//!
//! Keys are chosen by the caller (h5oxide uses the dataset's object header address and the
//! chunk's element offset). Values are shared (`Arc`), so a hit costs a lock, a map lookup
//! and a reference count; decoding happens outside the lock, so many threads reading one
//! file never wait on each other's decompression. Two threads missing the same chunk at
//! once both decode it; the second insert replaces the first.
//!
//! A value larger than the whole cache is never stored (it would evict everything and then
//! be evicted itself), and callers should not insert the chunks of a read that is larger
//! than the cache: that is what makes a big read bypass the cache instead of thrashing it.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// libhdf5's default raw data chunk cache size (`H5D_CHUNK_CACHE_NBYTES_DEFAULT`): 1 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 1 << 20;

/// A decoded chunk and what identified its stored form when it was decoded.
#[derive(Debug, Clone)]
pub struct CachedChunk {
    /// The decoded bytes.
    pub data: Arc<Vec<u8>>,
    /// A tag the caller checks on a hit (h5oxide: the chunk's file address), so an entry
    /// whose stored chunk has since moved is not used.
    pub tag: u64,
}

#[derive(Debug)]
struct Entry {
    chunk: CachedChunk,
    /// Position in the recency order: larger is more recent.
    tick: u64,
}

#[derive(Debug)]
struct State<K> {
    entries: HashMap<K, Entry>,
    /// Recency order: tick to key, oldest first.
    order: BTreeMap<u64, K>,
    bytes: usize,
    next_tick: u64,
    hits: u64,
    misses: u64,
}

/// A thread-safe, byte-bounded LRU cache of decoded chunks keyed by `K`.
///
/// ```
/// use std::sync::Arc;
/// use h5oxide_storage::chunk_cache::ChunkCache;
///
/// let cache: ChunkCache<(u64, Vec<u64>)> = ChunkCache::new(100);
/// cache.insert((8, vec![0, 0]), Arc::new(vec![1u8; 60]), 4096);
/// cache.insert((8, vec![0, 16]), Arc::new(vec![2u8; 60]), 8192);
/// // 120 bytes do not fit in 100: the older chunk was evicted.
/// assert!(cache.get(&(8, vec![0, 0])).is_none());
/// assert_eq!(cache.get(&(8, vec![0, 16])).unwrap().data[0], 2);
/// ```
#[derive(Debug)]
pub struct ChunkCache<K> {
    capacity: usize,
    state: Mutex<State<K>>,
}

impl<K: Hash + Eq + Clone> ChunkCache<K> {
    /// An empty cache holding at most `capacity` bytes of decoded chunks (0 disables it).
    pub fn new(capacity: usize) -> Self {
        ChunkCache {
            capacity,
            state: Mutex::new(State {
                entries: HashMap::new(),
                order: BTreeMap::new(),
                bytes: 0,
                next_tick: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    /// The most bytes the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State<K>> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters more than a miss, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The chunk stored under `key`, marked most recently used.
    pub fn get(&self, key: &K) -> Option<CachedChunk> {
        if self.capacity == 0 {
            return None;
        }
        let mut s = self.lock();
        let tick = s.next_tick;
        let found = match s.entries.get_mut(key) {
            Some(e) => {
                let old = e.tick;
                e.tick = tick;
                Some((old, e.chunk.clone()))
            }
            None => None,
        };
        match found {
            Some((old, chunk)) => {
                s.next_tick += 1;
                s.order.remove(&old);
                s.order.insert(tick, key.clone());
                s.hits += 1;
                Some(chunk)
            }
            None => {
                s.misses += 1;
                None
            }
        }
    }

    /// Stores `data` under `key` with `tag`, evicting the least recently used chunks until
    /// it fits. Returns false (and stores nothing) if `data` alone is larger than the cache.
    pub fn insert(&self, key: K, data: Arc<Vec<u8>>, tag: u64) -> bool {
        let size = data.len();
        if size > self.capacity {
            return false;
        }
        let mut s = self.lock();
        if let Some(old) = s.entries.remove(&key) {
            s.order.remove(&old.tick);
            s.bytes -= old.chunk.data.len();
        }
        while s.bytes + size > self.capacity {
            let Some((_, k)) = s.order.pop_first() else {
                break;
            };
            if let Some(e) = s.entries.remove(&k) {
                s.bytes -= e.chunk.data.len();
            }
        }
        let tick = s.next_tick;
        s.next_tick += 1;
        s.order.insert(tick, key.clone());
        s.entries.insert(
            key,
            Entry {
                chunk: CachedChunk { data, tag },
                tick,
            },
        );
        s.bytes += size;
        true
    }

    /// Drops every entry whose key `pred` accepts (e.g. all chunks of a dataset that was
    /// written to).
    pub fn invalidate(&self, mut pred: impl FnMut(&K) -> bool) {
        let mut s = self.lock();
        let gone: Vec<(K, u64, usize)> = s
            .entries
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(k, e)| (k.clone(), e.tick, e.chunk.data.len()))
            .collect();
        for (k, tick, len) in gone {
            s.entries.remove(&k);
            s.order.remove(&tick);
            s.bytes -= len;
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.entries.clear();
        s.order.clear();
        s.bytes = 0;
    }

    /// Bytes of decoded chunks held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Number of chunks held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True if the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups that found their chunk and lookups that did not, since the cache was made.
    pub fn stats(&self) -> (u64, u64) {
        let s = self.lock();
        (s.hits, s.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(byte: u8, len: usize) -> Arc<Vec<u8>> {
        Arc::new(vec![byte; len])
    }

    #[test]
    fn hits_misses_and_lru_eviction() {
        let c: ChunkCache<u32> = ChunkCache::new(300);
        assert!(c.get(&1).is_none());
        assert!(c.insert(1, chunk(1, 100), 11));
        assert!(c.insert(2, chunk(2, 100), 12));
        assert!(c.insert(3, chunk(3, 100), 13));
        assert_eq!(c.bytes(), 300);
        // Using 1 makes 2 the least recently used: inserting 4 evicts 2 only.
        let hit = c.get(&1).unwrap();
        assert_eq!((hit.data[0], hit.data.len(), hit.tag), (1, 100, 11));
        assert!(c.insert(4, chunk(4, 100), 14));
        assert!(c.get(&2).is_none());
        assert_eq!(c.get(&1).unwrap().data[0], 1);
        assert_eq!(c.get(&3).unwrap().data[0], 3);
        assert_eq!(c.get(&4).unwrap().data[0], 4);
        assert_eq!((c.len(), c.bytes()), (3, 300));
        // A 250-byte chunk needs all three evicted.
        assert!(c.insert(5, chunk(5, 250), 15));
        assert_eq!((c.len(), c.bytes()), (1, 250));
        assert_eq!(c.get(&5).unwrap().tag, 15);
        assert_eq!(c.stats(), (5, 2));
    }

    #[test]
    fn replacing_a_key_keeps_the_byte_count() {
        let c: ChunkCache<u32> = ChunkCache::new(300);
        c.insert(1, chunk(1, 100), 0);
        c.insert(1, chunk(9, 40), 1);
        assert_eq!((c.len(), c.bytes()), (1, 40));
        assert_eq!(c.get(&1).unwrap().data[0], 9);
    }

    #[test]
    fn oversized_values_and_zero_capacity_bypass() {
        let c: ChunkCache<u32> = ChunkCache::new(100);
        c.insert(1, chunk(1, 60), 0);
        assert!(!c.insert(2, chunk(2, 101), 0));
        // The oversized insert evicted nothing.
        assert_eq!(c.get(&1).unwrap().data.len(), 60);
        assert!(c.get(&2).is_none());
        let off: ChunkCache<u32> = ChunkCache::new(0);
        assert!(!off.insert(1, chunk(1, 1), 0));
        assert!(off.get(&1).is_none());
        assert!(off.is_empty());
    }

    #[test]
    fn invalidate_by_predicate() {
        let c: ChunkCache<(u64, u64)> = ChunkCache::new(1000);
        for d in [10, 20] {
            for k in 0..3 {
                c.insert((d, k), chunk(k as u8, 10), 0);
            }
        }
        c.invalidate(|&(d, _)| d == 10);
        assert_eq!((c.len(), c.bytes()), (3, 30));
        assert!(c.get(&(10, 1)).is_none());
        assert!(c.get(&(20, 1)).is_some());
        // Eviction order survives the removal: 20/0 and 20/2 are the oldest now (20/1 was
        // just used), and 990 bytes need both gone.
        c.insert((30, 0), chunk(0, 990), 0);
        assert_eq!((c.len(), c.bytes()), (2, 1000));
        assert!(c.get(&(20, 1)).is_some());
        assert!(c.get(&(20, 2)).is_none());
        c.clear();
        assert_eq!((c.len(), c.bytes()), (0, 0));
    }

    #[test]
    fn shared_between_threads() {
        let c: Arc<ChunkCache<u64>> = Arc::new(ChunkCache::new(64 * 100));
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for i in 0..1000u64 {
                        let k = (i * 7 + t) % 150;
                        match c.get(&k) {
                            Some(v) => assert_eq!(v.data[0], (k % 251) as u8),
                            None => {
                                c.insert(k, chunk((k % 251) as u8, 64), k);
                            }
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(c.bytes() <= 64 * 100);
        assert_eq!(c.bytes(), c.len() * 64);
    }
}
