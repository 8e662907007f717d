import { createRepo, uploadFiles } from '@huggingface/hub';

/** Creates `repo` on the registry and commits `files` with the official client (LFS for big files). */
export async function publish(
  hubUrl: string,
  accessToken: string,
  repo: string,
  files: Readonly<Record<string, Uint8Array | string>>,
  options: { private?: boolean } = {},
): Promise<string> {
  const ref = { type: 'model' as const, name: repo };
  await createRepo({
    hubUrl,
    accessToken,
    repo: ref,
    ...(options.private === true ? { private: true } : {}),
  }).catch((error: unknown) => {
    if (!/409|exist|already/i.test(String(error))) {
      throw error;
    }
  });
  const result = await uploadFiles({
    hubUrl,
    accessToken,
    repo: ref,
    useXet: false,
    files: Object.entries(files).map(([path, content]) => ({
      path,
      content: new Blob([typeof content === 'string' ? content : Buffer.from(content)]),
    })),
  });
  const oid = result?.commit.oid;
  if (oid === undefined) {
    throw new Error(`no commit for ${repo}`);
  }
  return oid;
}
