/** The API version shown in the OpenAPI `info`; bumped with each CHANGELOG.md release. */
export const API_VERSION = '1.0.0';
