// Activity 2, ImageJ track: customise output saving
// Course "Output saving", adapted from the NEUBIAS training module (CC BY 4.0).
//
// Activity 1's analysis again, then two changes to how its outputs are saved:
// the results table comma-separated, and the count mask as PNG and as JPEG,
// whose effect on the labels you then judge in the notebook. Last, a mask of
// more than 255 nuclei. Add the saving steps where it says "SAVE"; run the
// macro in Fiji with Plugins > Macros > Run... (or Edit..., then Run).

// -- The output folder, set once, here ---------------------------------------------
// In Fiji, run with no argument: the input images are next to this macro file
// and the outputs go into the folder "output" next to it. The grader runs the
// macro with one argument, "<input folder>|<output folder>", to use other
// folders. Leave this part as it is: every output path below is built from
// outputDir, so changing the folder takes one line.
argument = getArgument();
if (argument == "") {
	macroFile = getInfo("macro.filepath");
	if (macroFile == "null" || macroFile == "")
		exit("Save this macro next to the images, then run it with Plugins > Macros > Run...");
	inputDir = File.getDirectory(macroFile);
	outputDir = inputDir + "output" + File.separator;
} else {
	folders = split(argument, "|");
	inputDir = folders[0];
	outputDir = folders[1];
}
File.makeDirectory(outputDir);
shapesImage = inputDir + "xy_8bit_binary__random_shapes.tif";
nucleiImage = inputDir + "xy_16bit__many_nuclei.tif";

// -- Settings ---------------------------------------------------------------------
minSize = 0;    // smallest object area kept, in pixels
maxSize = 1000; // largest object area kept, in pixels

// -- Start clean: no ROIs, results or images left from an earlier run ----------
roiManager("reset");
run("Clear Results");
close("*");

// -- The analysis of activity 1 --------------------------------------------------
setOption("BlackBackground", true);
run("Set Measurements...", "area centroid center perimeter bounding redirect=None decimal=3");
open(shapesImage);
run("Analyze Particles...", "size=" + minSize + "-" + maxSize + " pixel show=[Count Masks] display add");
// The count mask, shown with colours made for labels, is the active image.
showWithLabelColours();

// -- Save the outputs, differently ------------------------------------------------
// SAVE 1: the results table, comma-separated.

// SAVE 2: the count mask three times, each with its own file name:
//   a) as a PNG that keeps every label value,
//   b) as a JPEG,
//   c) as a PNG as it is shown now, with its colour lookup table.
// A lookup table (LUT) only sets how values are shown: Image > Lookup Tables
// changes it. Which one is active when you save matters for PNG.

// -- More than 255 objects: a nuclei image -------------------------------------------
open(nucleiImage);
setThreshold(560, 65535); // the nuclei are brighter than 560 (Otsu's threshold)
run("Convert to Mask");
run("Analyze Particles...", "size=0-Infinity pixel show=[Count Masks]");
// The count mask of the nuclei is now the active image.

// SAVE 3: the count mask of the nuclei, so that every nucleus keeps its own
// label.

print("Done: the outputs are in " + outputDir);

// -- Helpers ---------------------------------------------------------------------------
// Shows the active image with a lookup table (LUT) made for labels: "glasbey"
// in Fiji; plain ImageJ has no glasbey, so there it uses "3-3-2 RGB".
function showWithLabelColours() {
	List.setCommands;
	if (List.get("glasbey") != "")
		run("glasbey");
	else
		run("3-3-2 RGB");
}
