import { describeLockRenewal } from "../../test/lock-renewal.js";
import { storeSetups } from "../../test/store-setups.js";

for (const [name, setup] of Object.entries(storeSetups)) describeLockRenewal(name, setup);
