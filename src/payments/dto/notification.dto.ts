/** How WeChat Pay expects a refused notification to be answered (it retries on any non-2xx). */
export class ProviderRefusalDto {
  /** @example FAIL */
  code!: string;
  /** @example the signature does not verify */
  message!: string;
}
