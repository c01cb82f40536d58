//! Report schema and rendering.
