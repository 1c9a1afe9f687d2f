export { runBench, BENCH_SUITES, type BenchSuite, type BenchOptions, type BenchReport } from './run-bench.js';
export { measureStepEfficiency, STEP_SHAPES, type StepEfficiencyRow } from './step-efficiency.js';
export { ACCURACY_SPEC } from './accuracy.js';
export { DEFAULT_PIPELINE_BENCH, type PipelineBenchOptions } from './pipeline-matrix.js';
export { DEFAULT_API_BENCH, API_ROUTES, type ApiBenchOptions } from './api-suite.js';
