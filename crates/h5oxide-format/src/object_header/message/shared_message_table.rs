//! Object header message: shared_message_table (spec IV.A.2).
