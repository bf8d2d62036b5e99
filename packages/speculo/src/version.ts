/** The library version, as recorded in traces (kept equal to package.json's by a test). */
export const libraryVersion = '0.1.0';
