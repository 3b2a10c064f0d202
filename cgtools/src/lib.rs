//! cgtools: the cgroup backend shared by the command-line tools and cgconfigd.
