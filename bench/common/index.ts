export { referenceWorkMs } from "./machine-speed.js";
