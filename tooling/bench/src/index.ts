export {
  defaultLoadTool,
  type HttpLoadOptions,
  type HttpLoadResult,
  httpLoad,
  type LoadTool,
  wrkScript,
} from "./http-load.js";
