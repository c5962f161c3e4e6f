//! Object header messages (spec IV.A.2), one module per message type.

pub mod nil;
pub mod dataspace;
pub mod link_info;
pub mod datatype;
pub mod fill_value_old;
pub mod fill_value;
pub mod link;
pub mod external;
pub mod layout;
pub mod bogus;
pub mod group_info;
pub mod filter_pipeline;
pub mod attribute;
pub mod comment;
pub mod modification_time_old;
pub mod shared_message_table;
pub mod continuation;
pub mod symbol_table;
pub mod modification_time;
pub mod btree_k;
pub mod driver_info;
pub mod attribute_info;
pub mod refcount;
pub mod file_space_info;
pub mod shared;
