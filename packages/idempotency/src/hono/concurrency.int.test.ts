import { describeConcurrency } from "../../test/concurrency.js";
import { storeSetups } from "../../test/store-setups.js";

for (const [name, setup] of Object.entries(storeSetups)) describeConcurrency(name, setup);
