// One test class at a time, as these tests always ran: the allocation checks and the many-thread routing tests measure
// this process, and a parallel run on a loaded 2-core machine failed once in a dozen runs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
