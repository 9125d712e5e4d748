namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What a health round does about one probed replica (<see cref="HealthPolicy.OnRoundProbe"/>).</summary>
/// <param name="State">Its next health state.</param>
/// <param name="Died">It has just been found dead: logged and counted.</param>
/// <param name="AnswersAgain">The ring has it down, and it answered.</param>
/// <param name="MarkUp">The up flag to set in the ring; null to leave the ring as it is.</param>
/// <param name="Replace">Start a replacement for it.</param>
internal readonly record struct ProbeVerdict(ReplicaHealthState State, bool Died, bool AnswersAgain, bool? MarkUp, bool Replace);
