"""What users do with huggingface_hub, scenario by scenario, against a modelhub registry.

Run by scripts/record-python-client.ts (never by the test suite, which cannot run Python):
    scenarios.py <scenario> <workdir>
with HF_ENDPOINT, HF_HUB_DISABLE_XET=1, ALICE_TOKEN, BOB_TOKEN, CAROL_TOKEN and REPO_SUFFIX set,
and PYTHONPATH pointing at one huggingface_hub source tree. Every scenario checks what the user
would see and exits non-zero when the client fails, so a recording is only kept when it works.
"""

import inspect
import os
import sys

import filelock

# Debian's filelock 3.9 predates the `mode` argument huggingface_hub 1.x passes to FileLock; it
# only sets the lock file's permissions and changes nothing on the wire.
if "mode" not in inspect.signature(filelock.BaseFileLock.__init__).parameters:

    class _FileLock(filelock.FileLock):
        def __init__(self, *args, mode=None, **kwargs):
            super().__init__(*args, **kwargs)

    filelock.FileLock = _FileLock

import huggingface_hub  # noqa: E402
from huggingface_hub import (  # noqa: E402
    CommitOperationAdd,
    CommitOperationDelete,
    HfApi,
    HfFileSystem,
    hf_hub_download,
    snapshot_download,
)

ENDPOINT = os.environ["HF_ENDPOINT"]
ALICE = os.environ["ALICE_TOKEN"]
BOB = os.environ["BOB_TOKEN"]
CAROL = os.environ["CAROL_TOKEN"]
SUFFIX = os.environ["REPO_SUFFIX"]
V1 = int(huggingface_hub.__version__.split(".")[0]) >= 1

api = HfApi(endpoint=ENDPOINT, token=ALICE)


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def expect_http_error(status, call):
    try:
        call()
    except huggingface_hub.errors.HfHubHTTPError as error:
        expect(error.response.status_code == status, f"expected HTTP {status}, got {error.response.status_code}")
        return error
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def pattern(size, first):
    """Binary test content whose every slice is again such a pattern (the recorder stores it as one)."""
    return bytes((first + 7 * i) & 0xFF for i in range(size))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def repo(name):
    return f"alice/{name}-{SUFFIX}"


def create_repo_exist_ok(work):
    rid = repo("exist-ok")
    url = api.create_repo(rid)
    expect(url.repo_id == rid, f"create_repo returned {url!r}")
    again = api.create_repo(rid, exist_ok=True)
    expect(again.repo_id == rid and again.endpoint == ENDPOINT, f"exist_ok returned {again!r}")
    expect_http_error(409, lambda: api.create_repo(rid))
    private = api.create_repo(repo("exist-ok-private"), private=True)
    expect(api.model_info(private.repo_id).private, "the private repo is public")
    expect(api.create_repo(private.repo_id, private=True, exist_ok=True).repo_id == private.repo_id, "exist_ok")


def upload_folder_delete_patterns(work):
    rid = repo("folder")
    api.create_repo(rid, exist_ok=True)
    first = os.path.join(work, "first")
    write(f"{first}/README.md", "---\nlicense: mit\nlibrary_name: onnx\n---\n# folder\n")
    write(f"{first}/config.json", '{"a": 1}\n')
    write(f"{first}/weights/model.onnx", pattern(70_000, 1))
    write(f"{first}/logs/a/run1.txt", "one\n")
    write(f"{first}/logs/b/run2.txt", "two\n")
    api.upload_folder(folder_path=first, repo_id=rid, commit_message="first upload")
    second = os.path.join(work, "second")
    write(f"{second}/config.json", '{"a": 2}\n')
    api.upload_folder(folder_path=second, repo_id=rid, delete_patterns=["logs/**", "*.txt"])
    files = sorted(api.list_repo_files(rid))
    expect(files == [".gitattributes", "README.md", "config.json", "weights/model.onnx"], f"files: {files}")


def upload_folder_gitignore(work):
    rid = repo("gitignore")
    api.create_repo(rid, exist_ok=True)
    folder = os.path.join(work, "ignored")
    write(f"{folder}/.gitignore", "*.log\ncheckpoints/\n!keep.log\n")
    write(f"{folder}/model.onnx", pattern(30_000, 19))
    write(f"{folder}/train.log", "noise\n")
    write(f"{folder}/keep.log", "kept\n")
    write(f"{folder}/checkpoints/step-1.bin", pattern(20_000, 23))
    api.upload_folder(folder_path=folder, repo_id=rid)
    files = sorted(api.list_repo_files(rid))
    expect(files == [".gitattributes", ".gitignore", "keep.log", "model.onnx"], f"files: {files}")
    # Later uploads follow the .gitignore already in the repo.
    api.upload_file(path_or_fileobj=b"later\n", path_in_repo="later.log", repo_id=rid)
    expect("later.log" not in api.list_repo_files(rid), "an ignored file was committed")


def upload_large_folder(work):
    rid = repo("large-folder")
    api.create_repo(rid, exist_ok=True)
    folder = os.path.join(work, "large")
    write(f"{folder}/README.md", "---\nlicense: apache-2.0\n---\n# large\n")
    write(f"{folder}/model.safetensors", pattern(90_000, 3))
    write(f"{folder}/shards/part-1.bin", pattern(40_000, 5))
    write(f"{folder}/notes.txt", "notes\n")
    api.upload_large_folder(repo_id=rid, folder_path=folder, repo_type="model", num_workers=1, print_report=False)
    files = sorted(api.list_repo_files(rid))
    expected = [".gitattributes", "README.md", "model.safetensors", "notes.txt", "shards/part-1.bin"]
    expect(files == expected, f"files: {files}")


def create_commit_lfs_multipart(work):
    rid = repo("commit")
    api.create_repo(rid, exist_ok=True)
    big = pattern(300_000, 11)  # above the recording registry's multipart threshold
    info = api.create_commit(
        rid,
        operations=[
            CommitOperationAdd("big/weights.bin", big),
            CommitOperationAdd("small.bin", pattern(2_000, 13)),
            CommitOperationAdd("labels.txt", b"cat\ndog\n"),
        ],
        commit_message="weights",
    )
    expect(info.oid and info.commit_url.endswith(info.oid), f"commit: {info!r}")
    second = api.create_commit(
        rid,
        operations=[CommitOperationDelete("labels.txt"), CommitOperationAdd("labels.json", b'["cat"]')],
        commit_message="labels as json",
        parent_commit=info.oid,
    )
    files = sorted(api.list_repo_files(rid))
    expect(files == [".gitattributes", "big/weights.bin", "labels.json", "small.bin"], f"files: {files}")
    titles = [c.title for c in api.list_repo_commits(rid)]
    expect(titles == ["labels as json", "weights", "initial commit"], f"history: {titles}")
    expect(api.model_info(rid).sha == second.oid, "the head is the last commit")


def _seeded(name):
    rid = repo(name)
    api.create_repo(rid, exist_ok=True)
    api.create_commit(
        rid,
        operations=[
            CommitOperationAdd("README.md", b"---\nlicense: mit\npipeline_tag: image-classification\n---\n# m\n"),
            CommitOperationAdd("config.json", b'{"labels": ["cat", "dog"]}\n'),
            CommitOperationAdd("onnx/model.onnx", pattern(50_000, 17)),
            CommitOperationAdd("onnx/extra/notes.txt", b"notes\n"),
        ],
        commit_message="model",
    )
    return rid


def list_repo_tree(work):
    rid = _seeded("tree")
    everything = list(api.list_repo_tree(rid, recursive=True, expand=True))
    paths = sorted(e.path for e in everything)
    expect(
        paths == [".gitattributes", "README.md", "config.json", "onnx", "onnx/extra", "onnx/extra/notes.txt", "onnx/model.onnx"],
        f"recursive tree: {paths}",
    )
    model = next(e for e in everything if e.path == "onnx/model.onnx")
    expect(model.lfs is not None and model.lfs.size == 50_000 and model.last_commit is not None, f"{model!r}")
    under = sorted(e.path for e in api.list_repo_tree(rid, path_in_repo="onnx"))
    expect(under == ["onnx/extra", "onnx/model.onnx"], f"onnx/: {under}")
    files = sorted(api.list_repo_files(rid))
    expect(files == [".gitattributes", "README.md", "config.json", "onnx/extra/notes.txt", "onnx/model.onnx"], f"{files}")


def hf_file_system(work):
    rid = _seeded("fs")
    fs = HfFileSystem(endpoint=ENDPOINT, token=ALICE)
    top = sorted(fs.ls(rid, detail=False))
    expect(top == [f"{rid}/.gitattributes", f"{rid}/README.md", f"{rid}/config.json", f"{rid}/onnx"], f"ls: {top}")
    try:
        texts = fs.glob(f"{rid}/**/*.txt")
    except TypeError:
        # huggingface_hub 1.x passes maxdepth twice to Debian's older fsspec (2022.11): the same listing.
        texts = [p for p in fs.find(rid) if p.endswith(".txt")]
    expect(texts == [f"{rid}/onnx/extra/notes.txt"], f"glob: {texts}")
    found = sorted(fs.find(rid))
    expect(len(found) == 5, f"find: {found}")
    expect(fs.info(f"{rid}/onnx/model.onnx")["size"] == 50_000, "info size")
    expect(fs.cat(f"{rid}/config.json") == b'{"labels": ["cat", "dog"]}\n', "cat")


def model_info_and_paths(work):
    rid = _seeded("info")
    info = api.model_info(rid, files_metadata=True)
    sizes = {s.rfilename: s.size for s in info.siblings}
    expect(sizes["onnx/model.onnx"] == 50_000 and sizes["config.json"] == 27, f"siblings: {sizes}")
    lfs = next(s for s in info.siblings if s.rfilename == "onnx/model.onnx").lfs
    expect(lfs is not None and lfs.size == 50_000, f"lfs: {lfs!r}")
    expect(info.card_data is not None and info.card_data.license == "mit", f"card: {info.card_data!r}")
    entries = api.get_paths_info(rid, ["onnx/model.onnx", "onnx", "config.json", "missing.txt"], expand=True)
    by_path = {e.path: e for e in entries}
    expect(sorted(by_path) == ["config.json", "onnx", "onnx/model.onnx"], f"paths-info: {sorted(by_path)}")
    expect(by_path["onnx/model.onnx"].last_commit is not None, "paths-info expand=True gives last_commit")
    expect(api.file_exists(rid, "config.json") and not api.file_exists(rid, "nope.json"), "file_exists")
    expect(api.repo_exists(rid) and not api.repo_exists(repo("never-created")), "repo_exists")


def download(work):
    rid = _seeded("download")
    api.create_tag(rid, tag="v1")
    cache = os.path.join(work, "cache")
    path = hf_hub_download(rid, "onnx/model.onnx", cache_dir=cache, endpoint=ENDPOINT, token=ALICE)
    with open(path, "rb") as f:
        expect(f.read() == pattern(50_000, 17), "downloaded bytes")
    tagged = hf_hub_download(rid, "config.json", revision="v1", cache_dir=cache, endpoint=ENDPOINT, token=ALICE)
    expect(os.path.getsize(tagged) == 27, "config by tag")
    folder = snapshot_download(rid, cache_dir=os.path.join(work, "snap"), endpoint=ENDPOINT, token=ALICE)
    got = sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)
    expect(got == [".gitattributes", "README.md", "config.json", "onnx/extra/notes.txt", "onnx/model.onnx"], f"{got}")
    only = snapshot_download(
        rid, allow_patterns=["*.json"], local_dir=os.path.join(work, "local"), endpoint=ENDPOINT, token=ALICE
    )
    expect(os.listdir(only) == ["config.json"] or sorted(os.listdir(only)) == [".cache", "config.json"], "local_dir")


def branches_and_tags(work):
    rid = _seeded("refs")
    api.create_branch(rid, branch="dev")
    api.create_branch(rid, branch="dev", exist_ok=True)
    expect_http_error(409, lambda: api.create_branch(rid, branch="dev"))
    api.create_branch(rid, branch="feature/x", revision="dev")
    api.upload_file(path_or_fileobj=b"dev only\n", path_in_repo="dev.txt", repo_id=rid, revision="dev")
    api.create_tag(rid, tag="v1.0", revision="dev", tag_message="first release")
    refs = api.list_repo_refs(rid)
    expect(sorted(b.name for b in refs.branches) == ["dev", "feature/x", "main"], f"branches: {refs.branches}")
    expect([t.name for t in refs.tags] == ["v1.0"], f"tags: {refs.tags}")
    expect("dev.txt" in api.list_repo_files(rid, revision="v1.0"), "the tag names the dev commit")
    api.delete_tag(rid, tag="v1.0")
    api.delete_branch(rid, branch="feature/x")
    api.delete_branch(rid, branch="dev")
    refs = api.list_repo_refs(rid)
    expect([b.name for b in refs.branches] == ["main"] and refs.tags == [], f"after deletion: {refs}")
    expect_http_error(404, lambda: api.delete_branch(rid, branch="dev"))
    expect_http_error(404, lambda: api.delete_tag(rid, tag="v1.0"))


def auth_check(work):
    public = _seeded("auth-public")
    private = repo("auth-private")
    api.create_repo(private, private=True, exist_ok=True)
    api.auth_check(public)
    api.auth_check(public, token=False)
    api.auth_check(private)
    for token in (False, BOB):
        try:
            api.auth_check(private, token=token)
            raise AssertionError("an outsider passed auth_check on a private repo")
        except huggingface_hub.errors.RepositoryNotFoundError as error:
            expect(error.response.status_code == (401 if token is False else 404), f"{error.response.status_code}")
    try:
        api.auth_check(repo("auth-missing"))
        raise AssertionError("auth_check passed on a missing repo")
    except huggingface_hub.errors.RepositoryNotFoundError as error:
        expect(error.response.status_code == 404, f"{error.response.status_code}")
    if V1:
        api.auth_check(public, write=True)
        expect_http_error(403, lambda: api.auth_check(public, token=CAROL, write=True))


def move_repo(work):
    rid = _seeded("move")
    renamed = repo("moved")
    api.move_repo(from_id=rid, to_id=renamed)
    expect(not api.repo_exists(rid), "the old name still answers")
    expect(api.model_info(renamed).sha is not None, "the new name answers")
    transferred = f"acme/moved-{SUFFIX}"
    api.move_repo(from_id=renamed, to_id=transferred)
    path = hf_hub_download(transferred, "config.json", cache_dir=os.path.join(work, "cache"), endpoint=ENDPOINT, token=ALICE)
    expect(os.path.getsize(path) == 27, "download after the transfer")
    expect_http_error(409, lambda: api.move_repo(from_id=transferred, to_id=transferred))
    expect_http_error(403, lambda: api.move_repo(from_id=transferred, to_id=f"bob/stolen-{SUFFIX}"))


def list_models_and_whoami(work):
    _seeded("listed")
    me = api.whoami()
    expect(me["name"] == "alice" and [o["name"] for o in me["orgs"]] == ["acme"], f"whoami: {me}")
    ids = [m.id for m in api.list_models(search=f"listed-{SUFFIX}")]
    expect(ids == [repo("listed")], f"search: {ids}")
    full = list(api.list_models(author="alice", search=f"listed-{SUFFIX}", full=True, cardData=True, sort="downloads"))
    expect(len(full) == 1 and full[0].card_data is not None and full[0].siblings, f"full: {full}")
    tagged = [m.id for m in api.list_models(filter="license:mit", search=f"listed-{SUFFIX}", limit=5)]
    expect(tagged == [repo("listed")], f"filter: {tagged}")
    by_task = [m.id for m in api.list_models(pipeline_tag="image-classification", search=f"listed-{SUFFIX}")]
    expect(by_task == [repo("listed")], f"pipeline_tag: {by_task}")


def validate_yaml(work):
    rid = repo("yaml")
    api.create_repo(rid, exist_ok=True)
    try:
        api.upload_file(path_or_fileobj=b"---\nlicense: mit\ntags: [a\n---\n# x\n", path_in_repo="README.md", repo_id=rid)
        raise AssertionError("a README with malformed metadata was accepted")
    except ValueError as error:
        expect("Invalid metadata in README.md" in str(error), f"{error}")
    api.upload_file(path_or_fileobj=b"---\nlicence: mit\n---\n# x\n", path_in_repo="README.md", repo_id=rid)
    expect("README.md" in api.list_repo_files(rid), "the README with warnings was committed")


SCENARIOS = {
    "create-repo-exist-ok": create_repo_exist_ok,
    "upload-folder-delete-patterns": upload_folder_delete_patterns,
    "upload-folder-gitignore": upload_folder_gitignore,
    "upload-large-folder": upload_large_folder,
    "create-commit-lfs-multipart": create_commit_lfs_multipart,
    "list-repo-tree": list_repo_tree,
    "hf-file-system": hf_file_system,
    "model-info-and-paths-info": model_info_and_paths,
    "download": download,
    "branches-and-tags": branches_and_tags,
    "auth-check": auth_check,
    "move-repo": move_repo,
    "list-models-and-whoami": list_models_and_whoami,
    "validate-yaml": validate_yaml,
}

if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--version":
        print(huggingface_hub.__version__)
        sys.exit(0)
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(SCENARIOS))
        sys.exit(0)
    SCENARIOS[sys.argv[1]](sys.argv[2])
