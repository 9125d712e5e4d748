// The end-to-end tests start real clusters and put them under load and chaos on a 2-core machine: one test class at
// a time keeps their timing bounds meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
