import { counterStoreContract } from "./counter-store.contract.js";
import { createMemoryCounterStore } from "./counter-store.js";

counterStoreContract("memory", () => createMemoryCounterStore());
