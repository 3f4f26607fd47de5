export { type JobConfig, parseJobConfig } from "./config.js";
export {
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
  jobName,
  METRIC_ANNOTATION,
  measurementNumber,
  NAME_ANNOTATION,
  NAMESPACE_ANNOTATION,
  UID_LABEL,
} from "./job-name.js";
export {
  JOB_KUBECONFIG_ENV,
  JOB_NAMESPACE_ENV,
  type JobClient,
  type JobTarget,
  KubeError,
  kubeconfigFlag,
  kubeJobClient,
  loadJobTarget,
  toKubeError,
} from "./kube.js";
export { createJobPlugin, PLUGIN_NAME } from "./plugin.js";
export { createJobProvider, type JobCall, type JobProviderOptions } from "./provider.js";
