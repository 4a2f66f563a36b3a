"""plaint's performance suite: each main job measured against a baseline taken
in the same run on the same machine, reported as ratios (`python -m benchmarks`)."""
