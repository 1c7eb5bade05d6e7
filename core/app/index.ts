/** The composition root and the storage it opens. */
export {
  appRoot,
  createAppRoot,
  linkTracesToRoot,
  setAppRoot,
  type AppRoot,
  type AppRootOptions,
} from "./root";
export { createAppStorage, type AppStorage } from "./storage";
