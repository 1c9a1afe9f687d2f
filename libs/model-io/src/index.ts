export { saveModel, loadModel, MODEL_FILE, WEIGHTS_FILE, type SavedModel } from './model-files.js';
export { ModelFileError } from './model-file-error.js';
