//! zksim: the simulated world, fault injection, checkers and the CLI.
