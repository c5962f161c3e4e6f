//! Object header prefixes, version 1 (spec IV.A.1.a) and version 2 "OHDR" (spec IV.A.1.b).
