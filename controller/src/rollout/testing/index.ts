// Test helpers for the planner: a simulated executor and ReplicaSet controller, fixtures,
// user actions and table walks.
export * from "./fixtures.js";
export * from "./simulator.js";
