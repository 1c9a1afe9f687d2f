export { saveModel, loadModel, readModelFiles, modelFromFiles, MODEL_FILE, WEIGHTS_FILE, type SavedModel, type ModelFiles } from './model-files.js';
export { ModelFileError } from './model-file-error.js';
