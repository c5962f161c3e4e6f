//! The NIL message, type 0x0000 (spec IV.A.2.a): free space inside an object header. Its
//! body is unspecified; readers skip it and writers fill it with zeros.
