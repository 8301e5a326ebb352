# Every area of a force, one job each: the Snakemake workflow for when one machine is not enough.
#
# Each job runs the same command a person would, `csa-stats build --area AREA`, in a build folder
# of its own (CSA_STATS_BUILD_DIR), so the jobs run side by side on one machine or on many; the
# last job writes the index page that links the sites. Planned from the files: every local
# authority they cover (`areas=all`, the default), or a comma-separated list.
#
#   snakemake -s src/csa_stats/build/areas.smk --cores 4 \
#       --config data=data/police-uk output=_build/areas [areas=Coventry,Solihull] \
#                args="--period-end 2025-03"
#
# `--dry-run` (`-n`) lists the jobs it would run. Run from the project's root.

from pathlib import Path

from csa_stats.build.areas import plan_areas

DATA = str(Path(config["data"]).resolve())
OUTPUT = config.get("output", "_build/areas")
WHICH = str(config.get("areas", "all"))
ARGS = config.get("args", "")
AREAS = plan_areas(Path(DATA), WHICH)
CSA = config.get("csa_stats", "csa-stats")


rule all:
    input:
        f"{OUTPUT}/index.html",


rule area:
    output:
        f"{OUTPUT}/{{area}}/index.html",
    params:
        build=lambda wildcards: f"_build/jobs/{wildcards.area}",
    shell:
        "CSA_STATS_BUILD_DIR={params.build} {CSA} build --source police-uk --data {DATA:q} "
        "--area {wildcards.area} --output {OUTPUT}/{wildcards.area} --no-progress {ARGS}"


rule index:
    input:
        expand(f"{OUTPUT}/{{area}}/index.html", area=AREAS),
    output:
        f"{OUTPUT}/index.html",
    params:
        areas=",".join(AREAS) + ("," if len(AREAS) == 1 else ""),  # a list, even of one
    shell:
        "{CSA} index --source police-uk --data {DATA:q} --area {params.areas} "
        "--output {OUTPUT} {ARGS}"
