export {
  defaultLoadTool,
  type HttpLoadOptions,
  type HttpLoadResult,
  httpLoad,
  type LoadTool,
  wrkScript,
} from "./http-load.js";
export { type InterleavedResult, interleave, median } from "./interleave.js";
export { type CpuRole, cpusFor, loadSetup, pinToCpus } from "./pin.js";
