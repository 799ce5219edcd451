/**
 * Whether machine translation is on, the same rule for edge and farm: an endpoint override
 * (a local stand-in) is set, or the environment names credentials for the AWS SDK's standard
 * chain. Deliberately not "ask the chain": with nothing configured its last resort probes the
 * instance-metadata address over the network, which is no way to learn that translation is off.
 */
export const TRANSLATION_CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
] as const;

type TranslationEnv = Partial<
  Record<(typeof TRANSLATION_CREDENTIAL_VARIABLES)[number] | "AWS_TRANSLATE_ENDPOINT", unknown>
>;

export function translationEnabled(env: TranslationEnv): boolean {
  return Boolean(env.AWS_TRANSLATE_ENDPOINT) || hasAwsCredentials(env);
}

export function hasAwsCredentials(env: TranslationEnv): boolean {
  return TRANSLATION_CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]));
}
