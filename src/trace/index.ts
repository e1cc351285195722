/** The lifecycle trace: scenarios, the kernel environment model, the simulator and its exports. */
export { runTrace, resolveScenario, type TraceInput } from './simulator';
export { parseScenario, KNOWN_FACTS, EVENT_SYNTAX, type Scenario, type ScenarioError } from './scenario';
export { BUILTIN_SCENARIOS, builtinScenario } from './builtin-scenarios';
export { FREEBSD_ENVIRONMENT, environmentFor } from './environment';
export { discoverRoles } from './registrations';
export { traceToJson, countsByStep, lanes } from './json';
export { traceToSarif } from './sarif';
export { traceToHtml } from './html';
export { traceToText } from './text';
export { timelineSvg } from './timeline';
export { WHAT_IFS, parseWhatIf } from './whatif';
export * from './types';
